//! Small-count suppression of published tables (统计表的小数抑制).
//!
//! In anything published, sent to the level above or shown to someone without need to know the
//! cases, a count from 1 to `threshold - 1` (by default 1–4) is shown as "<5" (primary
//! suppression): a village's one case of domestic violence would otherwise name the victim.
//! Hiding it alone is not enough when the table shows totals: the hidden cell would be its row's
//! total minus the others. So further cells are hidden (secondary suppression, shown as "×")
//! until no hidden cell can be worked out from what is shown — checked here the way a reader
//! would, from the totals and the knowledge that a "<5" lies between 1 and 4 and any hidden cell
//! is at least 0, line by line until nothing more can be learnt.
//!
//! A table is its inner cells with the totals of each row, of each column and the grand total
//! around them; the totals are cells like the others (a row total of 3 is hidden too).

/// The threshold by default: counts from 1 to 4 are hidden.
pub const DEFAULT_THRESHOLD: i64 = 5;

/// How one published cell is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "shown", content = "value", rename_all = "snake_case")]
pub enum Shown {
    /// The count as it is (0 or at least the threshold, or not sensitive).
    Count(i64),
    /// A count from 1 to threshold − 1, shown as "<threshold".
    Small,
    /// Hidden so that a small count cannot be worked out from the totals.
    Hidden,
}

impl Shown {
    /// The text of the cell: "1,234", "<5" or "×".
    pub fn text(self, threshold: i64) -> String {
        match self {
            Shown::Count(n) => thousands(n),
            Shown::Small => format!("<{threshold}"),
            Shown::Hidden => "×".to_string(),
        }
    }

    /// The count, when it is shown.
    pub fn count(self) -> Option<i64> {
        match self {
            Shown::Count(n) => Some(n),
            _ => None,
        }
    }

    /// A single count, published on its own (no totals to protect): small ones hidden.
    pub fn one(n: i64, threshold: i64) -> Shown {
        if n > 0 && n < threshold {
            Shown::Small
        } else {
            Shown::Count(n)
        }
    }
}

/// 1234567 as "1,234,567".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The threshold a configuration may set: from 3 (a "<3" still leaves two values) to 100.
pub fn valid_threshold(t: i64) -> bool {
    (3..=100).contains(&t)
}

/// A table as published: `cells[r][c]` for the inner cells, then each row's total, each
/// column's total, and the grand total, every one suppressed as needed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suppressed {
    pub threshold: i64,
    pub cells: Vec<Vec<Shown>>,
    pub row_totals: Vec<Shown>,
    pub column_totals: Vec<Shown>,
    pub total: Shown,
}

impl Suppressed {
    /// Whether anything is hidden (the page then explains the signs).
    pub fn any_hidden(&self) -> bool {
        self.cells.iter().flatten().any(|c| c.count().is_none())
            || self.row_totals.iter().any(|c| c.count().is_none())
            || self.column_totals.iter().any(|c| c.count().is_none())
            || self.total.count().is_none()
    }
}

/// The grid of a table with its totals: (rows + 1) × (columns + 1), the totals last.
#[derive(Debug, Clone)]
struct Grid {
    rows: usize,
    cols: usize,
    v: Vec<i64>,
}

impl Grid {
    fn of(cells: &[Vec<i64>]) -> Grid {
        let rows = cells.len();
        let cols = cells.iter().map(Vec::len).max().unwrap_or(0);
        let w = cols + 1;
        let mut v = vec![0; (rows + 1) * w];
        for (r, row) in cells.iter().enumerate() {
            for c in 0..cols {
                let n = row.get(c).copied().unwrap_or(0).max(0);
                v[r * w + c] = n;
                v[r * w + cols] += n;
                v[rows * w + c] += n;
                v[rows * w + cols] += n;
            }
        }
        Grid { rows, cols, v }
    }

    fn at(&self, r: usize, c: usize) -> usize {
        r * (self.cols + 1) + c
    }

    /// Every line: the indexes of its inner cells and of its total (rows first, then columns;
    /// the totals row and column are lines too).
    fn lines(&self) -> Vec<(Vec<usize>, usize)> {
        let mut out = Vec::with_capacity(self.rows + self.cols + 2);
        for r in 0..=self.rows {
            out.push((
                (0..self.cols).map(|c| self.at(r, c)).collect(),
                self.at(r, self.cols),
            ));
        }
        for c in 0..=self.cols {
            out.push((
                (0..self.rows).map(|r| self.at(r, c)).collect(),
                self.at(self.rows, c),
            ));
        }
        out
    }
}

/// What a reader can learn of each cell from a published table: the least and the most it can
/// be (`None` for no upper bound), tightened line by line until nothing changes. `shown[i]` is
/// the count of cell `i` when shown, `small[i]` whether it is shown as "<threshold".
pub fn bounds(
    rows: usize,
    cols: usize,
    shown: &[Option<i64>],
    small: &[bool],
    threshold: i64,
) -> Vec<(i64, Option<i64>)> {
    let g = Grid {
        rows,
        cols,
        v: vec![0; (rows + 1) * (cols + 1)],
    };
    let mut b: Vec<(i64, Option<i64>)> = shown
        .iter()
        .zip(small)
        .map(|(s, small)| match (s, small) {
            (Some(n), _) => (*n, Some(*n)),
            (None, true) => (1, Some(threshold - 1)),
            (None, false) => (0, None),
        })
        .collect();
    let lines = g.lines();
    // Each pass can only narrow a bound; the number of passes is bounded by the cells' ranges,
    // and capped for safety.
    for _ in 0..1_000 {
        let mut changed = false;
        for (inner, total) in &lines {
            // total = Σ inner. For an inner cell x: x = total − Σ others; for the total:
            // total = Σ inner.
            let sum_lo: i64 = inner.iter().map(|i| b[*i].0).sum();
            let sum_hi: Option<i64> = inner.iter().map(|i| b[*i].1).sum();
            let (tlo, thi) = b[*total];
            // The total from its cells.
            let nlo = tlo.max(sum_lo);
            let nhi = match (thi, sum_hi) {
                (Some(a), Some(c)) => Some(a.min(c)),
                (a, c) => a.or(c),
            };
            if (nlo, nhi) != (tlo, thi) {
                b[*total] = (nlo, nhi);
                changed = true;
            }
            let (tlo, thi) = b[*total];
            for i in inner {
                let (lo, hi) = b[*i];
                let others_lo = sum_lo_without(&b, inner, *i);
                let others_hi = sum_hi_without(&b, inner, *i);
                // x ≤ total_hi − others_lo; x ≥ total_lo − others_hi.
                let cap = thi.map(|t| t - others_lo);
                let floor = others_hi.map(|o| tlo - o).unwrap_or(i64::MIN);
                let nlo = lo.max(floor);
                let nhi = match (hi, cap) {
                    (Some(a), Some(c)) => Some(a.min(c)),
                    (a, c) => a.or(c),
                };
                if (nlo, nhi) != (lo, hi) {
                    b[*i] = (nlo, nhi);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    b
}

fn sum_lo_without(b: &[(i64, Option<i64>)], inner: &[usize], skip: usize) -> i64 {
    inner.iter().filter(|i| **i != skip).map(|i| b[*i].0).sum()
}

fn sum_hi_without(b: &[(i64, Option<i64>)], inner: &[usize], skip: usize) -> Option<i64> {
    inner.iter().filter(|i| **i != skip).map(|i| b[*i].1).sum()
}

/// Which totals a table publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Margins {
    /// Each row's total (and the grand total).
    pub rows: bool,
    /// Each column's total (and the grand total).
    pub columns: bool,
}

/// Suppresses a table of counts (rows of columns; missing cells are 0) with all its totals.
pub fn table(cells: &[Vec<i64>], threshold: i64) -> Suppressed {
    table_with(
        cells,
        threshold,
        Margins {
            rows: true,
            columns: true,
        },
    )
}

/// Suppresses a table publishing only some of its totals (a table whose columns are different
/// figures has no row totals); those not published come back as `Hidden`.
pub fn table_with(cells: &[Vec<i64>], threshold: i64, margins: Margins) -> Suppressed {
    let threshold = threshold.max(3);
    let g = Grid::of(cells);
    let n = g.v.len();
    let mut unpublished = vec![false; n];
    for r in 0..=g.rows {
        for c in 0..=g.cols {
            let row_total = c == g.cols;
            let column_total = r == g.rows;
            if (row_total && !margins.rows) || (column_total && !margins.columns) {
                unpublished[g.at(r, c)] = true;
            }
        }
    }
    let small: Vec<bool> = (0..n)
        .map(|i| !unpublished[i] && g.v[i] > 0 && g.v[i] < threshold)
        .collect();
    let mut hidden: Vec<bool> = (0..n).map(|i| small[i] || unpublished[i]).collect();
    let lines = g.lines();
    loop {
        let shown: Vec<Option<i64>> = (0..n).map(|i| (!hidden[i]).then_some(g.v[i])).collect();
        let b = bounds(g.rows, g.cols, &shown, &small, threshold);
        // The hidden cells a reader can pin down (their least and most are one value).
        let pinned: Vec<usize> = (0..n)
            .filter(|i| hidden[*i] && b[*i].1 == Some(b[*i].0))
            .collect();
        if pinned.is_empty() {
            break;
        }
        // Hide one more cell in a line through one of them: the smallest count above zero still
        // shown, among the inner cells first (a total last).
        let through = |found: usize| {
            lines
                .iter()
                .filter(move |(inner, total)| *total == found || inner.contains(&found))
        };
        let mut best: Option<(bool, i64, usize)> = None;
        for found in &pinned {
            for (inner, total) in through(*found) {
                let members = inner.iter().map(|i| (false, *i));
                for (is_total, i) in members.chain(std::iter::once((true, *total))) {
                    if hidden[i] || g.v[i] == 0 {
                        continue;
                    }
                    let key = (is_total, g.v[i], i);
                    if best.is_none_or(|b| key < b) {
                        best = Some(key);
                    }
                }
            }
            if best.is_some() {
                break;
            }
        }
        match best {
            Some((_, _, i)) => hidden[i] = true,
            None => {
                // Every cell of their lines is hidden or zero: hide the zeros too, so that a
                // reader cannot tell them apart.
                let mut any = false;
                for found in &pinned {
                    for (inner, total) in through(*found) {
                        for i in inner.iter().chain(std::iter::once(total)) {
                            if !hidden[*i] {
                                hidden[*i] = true;
                                any = true;
                            }
                        }
                    }
                }
                if !any {
                    break;
                }
            }
        }
    }
    let shown = |i: usize| {
        if !hidden[i] {
            Shown::Count(g.v[i])
        } else if small[i] {
            Shown::Small
        } else {
            Shown::Hidden
        }
    };
    Suppressed {
        threshold,
        cells: (0..g.rows)
            .map(|r| (0..g.cols).map(|c| shown(g.at(r, c))).collect())
            .collect(),
        row_totals: (0..g.rows).map(|r| shown(g.at(r, g.cols))).collect(),
        column_totals: (0..g.cols).map(|c| shown(g.at(g.rows, c))).collect(),
        total: shown(g.at(g.rows, g.cols)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small generator, so the tables are the same on every run.
    struct Mix(u64);
    impl Mix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> i64 {
            (self.next() % n) as i64
        }
    }

    fn flat(s: &Suppressed) -> (usize, usize, Vec<Shown>) {
        let rows = s.cells.len();
        let cols = s.column_totals.len();
        let mut v = Vec::new();
        for r in 0..rows {
            v.extend(s.cells[r].iter().copied());
            v.push(s.row_totals[r]);
        }
        v.extend(s.column_totals.iter().copied());
        v.push(s.total);
        (rows, cols, v)
    }

    /// What a reader works out from the totals of a published table: every hidden cell she can
    /// pin to one value.
    fn recovered(s: &Suppressed) -> Vec<usize> {
        let (rows, cols, v) = flat(s);
        let shown: Vec<Option<i64>> = v.iter().map(|c| c.count()).collect();
        let small: Vec<bool> = v.iter().map(|c| *c == Shown::Small).collect();
        let b = bounds(rows, cols, &shown, &small, s.threshold);
        (0..v.len())
            .filter(|i| shown[*i].is_none() && b[*i].1 == Some(b[*i].0))
            .collect()
    }

    /// Every table that could lie behind a small published one, by trying each value of its
    /// hidden inner cells (up to `max`): the values each hidden cell takes in them.
    fn possible(s: &Suppressed, max: i64) -> Vec<std::collections::BTreeSet<i64>> {
        let (rows, cols, v) = flat(s);
        let w = cols + 1;
        let hidden: Vec<usize> = (0..rows)
            .flat_map(|r| (0..cols).map(move |c| r * w + c))
            .filter(|i| v[*i].count().is_none())
            .collect();
        let mut seen = vec![std::collections::BTreeSet::new(); v.len()];
        let mut vals = vec![0i64; hidden.len()];
        loop {
            let mut inner = vec![vec![0i64; cols]; rows];
            for r in 0..rows {
                for c in 0..cols {
                    inner[r][c] = v[r * w + c].count().unwrap_or(0);
                }
            }
            for (k, i) in hidden.iter().enumerate() {
                inner[i / w][i % w] = vals[k];
            }
            let g = Grid::of(&inner);
            let fits = (0..v.len()).all(|i| match v[i] {
                Shown::Count(n) => g.v[i] == n,
                Shown::Small => g.v[i] > 0 && g.v[i] < s.threshold,
                Shown::Hidden => true,
            });
            if fits {
                for (i, x) in g.v.iter().enumerate() {
                    if v[i].count().is_none() {
                        seen[i].insert(*x);
                    }
                }
            }
            // Next combination.
            let mut k = 0;
            while k < vals.len() {
                vals[k] += 1;
                if vals[k] <= max {
                    break;
                }
                vals[k] = 0;
                k += 1;
            }
            if k == vals.len() {
                break;
            }
        }
        seen
    }

    #[test]
    fn a_lone_small_count_is_hidden_with_a_partner() {
        // One village with 1 case: hiding the 1 alone would leave it as 12 − 11.
        let s = table(&[vec![1, 11], vec![6, 7]], 5);
        assert_eq!(s.cells[0][0], Shown::Small);
        assert!(recovered(&s).is_empty(), "{s:?}");
        // Its row and its column each hide a second cell.
        assert!(s.cells[0][1].count().is_none() || s.row_totals[0].count().is_none());
        assert!(s.cells[1][0].count().is_none() || s.column_totals[0].count().is_none());
    }

    #[test]
    fn two_ones_in_a_row_do_not_give_each_other_away() {
        // 1 + 1 = 2 would tell both: each is at least 1.
        let s = table(&[vec![1, 1, 20]], 5);
        assert!(recovered(&s).is_empty(), "{s:?}");
        assert_eq!(s.cells[0][2], Shown::Hidden);
    }

    #[test]
    fn large_counts_and_zeros_stay_as_they_are() {
        let s = table(&[vec![0, 12], vec![30, 0]], 5);
        assert!(!s.any_hidden());
        assert_eq!(s.total, Shown::Count(42));
        assert_eq!(Shown::Small.text(5), "<5");
        assert_eq!(Shown::one(3, 5), Shown::Small);
        assert_eq!(Shown::one(0, 5), Shown::Count(0));
        assert_eq!(Shown::one(1_203, 5).text(5), "1,203");
    }

    /// Random tables, property style: no hidden cell can be worked out from the totals, and a
    /// count from 1 to 4 is never shown.
    #[test]
    fn no_suppressed_cell_can_be_recovered_from_the_totals() {
        let mut mix = Mix(2021);
        for round in 0..600 {
            let rows = 1 + mix.below(5) as usize;
            let cols = 1 + mix.below(5) as usize;
            let sparse = mix.below(3);
            let cells: Vec<Vec<i64>> = (0..rows)
                .map(|_| {
                    (0..cols)
                        .map(|_| match mix.below(4 + sparse as u64) {
                            0 => 0,
                            1 | 2 => 1 + mix.below(4),
                            _ => mix.below(30),
                        })
                        .collect()
                })
                .collect();
            let s = table(&cells, 5);
            let (_, _, v) = flat(&s);
            let g = Grid::of(&cells);
            for (i, shown) in v.iter().enumerate() {
                if let Shown::Count(n) = shown {
                    assert_eq!(*n, g.v[i]);
                    assert!(*n == 0 || *n >= 5, "round {round}: {n} shown");
                }
            }
            assert!(recovered(&s).is_empty(), "round {round}: {cells:?} → {s:?}");
        }
    }

    /// The same, checked against every table that could lie behind small published ones: each
    /// hidden cell could have held at least two values.
    #[test]
    fn every_table_behind_a_small_one_leaves_each_hidden_cell_open() {
        let mut mix = Mix(7);
        for round in 0..150 {
            let rows = 1 + mix.below(2) as usize;
            let cols = 2 + mix.below(2) as usize;
            let cells: Vec<Vec<i64>> = (0..rows)
                .map(|_| {
                    (0..cols)
                        .map(|_| [0, 1, 2, 3, 4, 6, 9][mix.below(7) as usize])
                        .collect()
                })
                .collect();
            let s = table(&cells, 5);
            let hidden_inner = s
                .cells
                .iter()
                .flatten()
                .filter(|c| c.count().is_none())
                .count();
            if hidden_inner > 4 {
                continue;
            }
            let seen = possible(&s, 10);
            let (_, _, v) = flat(&s);
            for (i, c) in v.iter().enumerate() {
                if c.count().is_none() {
                    assert!(
                        seen[i].len() >= 2,
                        "round {round}: cell {i} of {cells:?} is always {:?} in {s:?}",
                        seen[i]
                    );
                }
            }
        }
    }

    #[test]
    fn a_table_of_figures_by_unit_hides_no_more_than_it_must() {
        // Columns are different figures: only their totals over the units are published.
        let s = table_with(
            &[vec![1_200, 3, 40], vec![1_500, 0, 52], vec![900, 7, 61]],
            5,
            Margins {
                rows: false,
                columns: true,
            },
        );
        assert!(s.row_totals.iter().all(|t| *t == Shown::Hidden));
        assert_eq!(s.cells[0][1], Shown::Small);
        // 3 + 0 + 7 = 10: the 7 (or the total) goes too, else the 3 is 10 − 7.
        assert!(s.cells[2][1].count().is_none() || s.column_totals[1].count().is_none());
        assert!(recovered(&s).is_empty(), "{s:?}");
        assert_eq!(s.cells[1][0], Shown::Count(1_500));
        assert_eq!(s.column_totals[0], Shown::Count(3_600));
    }

    #[test]
    fn thresholds_are_at_least_three() {
        assert!(valid_threshold(5));
        assert!(!valid_threshold(2));
        assert!(!valid_threshold(101));
    }
}
