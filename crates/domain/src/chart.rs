//! Bar charts as SVG, drawn on the server: month by month or place by place. The SVG scales to
//! the width of its box (a 360 px phone, a printed page) through its `viewBox`; each chart is
//! shown with the table of its figures behind it, for screen readers and for print.

/// One bar: its label and its value (`None`: hidden by suppression, drawn as a gap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: Option<i64>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A vertical bar chart titled `title` (its accessible name), bars left to right.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let (w, h, top, bottom, left) = (640.0_f64, 240.0_f64, 16.0, 40.0, 8.0);
    let max = bars
        .iter()
        .filter_map(|b| b.value)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = bars.len().max(1) as f64;
    let slot = (w - 2.0 * left) / n;
    let bar_w = (slot * 0.7).max(1.0);
    let plot_h = h - top - bottom;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-label=\"{t}\" class=\"chart\" preserveAspectRatio=\"xMidYMid meet\">\
         <title>{t}</title>\
         <line x1=\"{left}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\" stroke=\"#555\" stroke-width=\"1\"/>",
        t = escape(title),
        base = h - bottom,
        right = w - left,
    );
    // Labels: all when few, else every few so that they do not overlap.
    let every = (bars.len() / 12).max(1);
    for (i, b) in bars.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        if let Some(v) = b.value {
            // A zero draws no bar (a rectangle without height is no shape); its value stands on
            // the axis. Any other count is at least a pixel high.
            let bh = if v > 0 {
                (v as f64 / max * plot_h).max(1.0)
            } else {
                0.0
            };
            let y = h - bottom - bh;
            if v > 0 {
                out.push_str(&format!(
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{bh:.1}\" fill=\"#b0306a\"><title>{}: {v}</title></rect>",
                    escape(&b.label)
                ));
            }
            if bars.len() <= 16 {
                out.push_str(&format!(
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{v}</text>",
                    x + bar_w / 2.0,
                    (y - 3.0).max(10.0)
                ));
            }
        }
        if i % every == 0 {
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
                x + bar_w / 2.0,
                h - bottom + 16.0,
                escape(&b.label)
            ));
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_scalable_svg_with_its_labels_escaped() {
        let svg = bars(
            "排查 <月>",
            &[
                Bar {
                    label: "1月".into(),
                    value: Some(10),
                },
                Bar {
                    label: "<b>".into(),
                    value: None,
                },
                Bar {
                    label: "3月".into(),
                    value: Some(5),
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.contains("viewBox=\"0 0 640 240\""));
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("排查 &lt;月&gt;"));
    }

    /// Every `height="…"` of the rectangles of an SVG.
    fn heights(svg: &str) -> Vec<f64> {
        svg.split("<rect")
            .skip(1)
            .map(|r| {
                let at = r.find("height=\"").unwrap() + 8;
                r[at..at + r[at..].find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn zeros_draw_no_rectangle_but_keep_their_value() {
        let bar = |label: &str, value| Bar {
            label: label.into(),
            value,
        };
        let svg = bars(
            "月度",
            &[
                bar("1月", Some(0)),
                bar("2月", Some(3)),
                bar("3月", Some(0)),
                bar("4月", None),
                bar("5月", Some(1_000_000)),
            ],
        );
        let h = heights(&svg);
        assert_eq!(h.len(), 2, "{svg}");
        assert!(h.iter().all(|h| *h >= 1.0), "{h:?}");
        // Each zero still shows its value above the axis, and every label is there.
        assert_eq!(svg.matches(">0</text>").count(), 2, "{svg}");
        for m in ["1月", "2月", "3月", "4月", "5月"] {
            assert!(svg.contains(m), "{m}");
        }
        // All zeros (or nothing but gaps): an axis and labels, no rectangle at all.
        let none = bars(
            "空",
            &[bar("a", Some(0)), bar("b", None), bar("c", Some(0))],
        );
        assert!(!none.contains("<rect"), "{none}");
        assert!(none.starts_with("<svg") && none.ends_with("</svg>"));
    }
}
