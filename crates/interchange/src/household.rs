//! Checks across rows, done while streaming: the rows of a household follow each other and
//! agree on group and address, a household has exactly one head, an ID number appears once.
//!
//! The rows of the household being read are held back until its last row has been read (a
//! household without a head is known only then), so every row comes out once, complete, and
//! the rows of a household come out together. Memory: the rows of one household (at most
//! [`MAX_HOUSEHOLD_ROWS`]), plus every ID number and household code seen (a few tens of bytes
//! each; a release build reading 450,000 persons peaked at 36 MB for the whole process).

use crate::columns::{Column, Layout};
use crate::row::{Parsed, Row, RowError};
use jinguo_domain::person::Relationship;
use std::collections::{HashMap, VecDeque};

/// The most persons a household of a file may have; a larger one is refused whole.
pub const MAX_HOUSEHOLD_ROWS: usize = 1000;

struct Household {
    code: String,
    first_row: u64,
    group: String,
    address: String,
    head_row: Option<u64>,
    /// A row's relationship could not be read: "no head" would only repeat it.
    relationship_unread: bool,
    rows: Vec<Row>,
    /// More than MAX_HOUSEHOLD_ROWS: its rows are refused and passed on at once.
    too_large: bool,
}

pub(crate) struct Checker {
    layout: Layout,
    current: Option<Household>,
    ready: VecDeque<Row>,
    /// Households already closed: code → first row.
    households: HashMap<String, u64>,
    /// ID numbers seen → first row.
    ids: HashMap<[u8; 18], u64>,
}

impl Checker {
    pub(crate) fn new(layout: Layout) -> Self {
        Self {
            layout,
            current: None,
            ready: VecDeque::new(),
            households: HashMap::new(),
            ids: HashMap::new(),
        }
    }

    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The next row whose checks are complete.
    pub(crate) fn pop(&mut self) -> Option<Row> {
        self.ready.pop_front()
    }

    /// Takes the next row of the file.
    pub(crate) fn push(&mut self, parsed: Parsed) {
        let Parsed {
            mut row,
            group,
            address,
            id,
            relationship,
        } = parsed;
        let number = row.number;
        macro_rules! err {
            ($c:expr, $code:expr) => {
                RowError::new(number, &self.layout, $c, $code)
            };
        }

        if let Some(id) = &id {
            let mut key = [0u8; 18];
            key.copy_from_slice(&id.as_str().as_bytes()[..18]);
            match self.ids.get(&key) {
                Some(first) => {
                    row.refuse(
                        err!(Column::IdNumber, "id_number.duplicate_in_file")
                            .with_other_row(*first),
                    );
                }
                None => {
                    self.ids.insert(key, number);
                }
            }
        }

        if row.household_code.is_empty() {
            // Already refused; belongs to no household.
            self.close();
            self.ready.push_back(row);
            return;
        }

        let same = self
            .current
            .as_ref()
            .is_some_and(|h| h.code == row.household_code);
        if !same {
            self.close();
            let split = self.households.get(&row.household_code).copied();
            if let Some(first) = split {
                row.refuse(err!(Column::HouseholdCode, "household.split").with_other_row(first));
            }
            self.current = Some(Household {
                code: row.household_code.clone(),
                first_row: number,
                group: group.clone(),
                address: address.clone(),
                head_row: None,
                relationship_unread: false,
                rows: Vec::new(),
                too_large: false,
            });
        }
        let Some(h) = self.current.as_mut() else {
            return;
        };
        if same {
            if group != h.group {
                row.refuse(
                    err!(Column::GroupCode, "household.conflict").with_other_row(h.first_row),
                );
            }
            if address != h.address {
                row.refuse(err!(Column::Address, "household.conflict").with_other_row(h.first_row));
            }
        }
        match relationship {
            Some(Relationship::Head) => match h.head_row {
                Some(first) => row.refuse(
                    err!(Column::Relationship, "household.two_heads").with_other_row(first),
                ),
                None => h.head_row = Some(number),
            },
            Some(_) => {}
            None => h.relationship_unread = true,
        }
        if !h.too_large && h.rows.len() == MAX_HOUSEHOLD_ROWS {
            h.too_large = true;
            for mut r in h.rows.drain(..) {
                let n = r.number;
                r.refuse(RowError::new(
                    n,
                    &self.layout,
                    Column::HouseholdCode,
                    "household.too_large",
                ));
                self.ready.push_back(r);
            }
        }
        if h.too_large {
            row.refuse(err!(Column::HouseholdCode, "household.too_large"));
            self.ready.push_back(row);
        } else {
            h.rows.push(row);
        }
    }

    /// The end of the file.
    pub(crate) fn finish(&mut self) {
        self.close();
    }

    /// The household being read is complete: its rows are passed on.
    fn close(&mut self) {
        let Some(mut h) = self.current.take() else {
            return;
        };
        if !h.too_large
            && h.head_row.is_none()
            && !h.relationship_unread
            && let Some(first) = h.rows.first_mut()
        {
            first.refuse(RowError::new(
                h.first_row,
                &self.layout,
                Column::Relationship,
                "household.no_head",
            ));
        }
        self.households.entry(h.code).or_insert(h.first_row);
        self.ready.extend(h.rows);
    }
}
