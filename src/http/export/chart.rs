//! The comparison as a bar chart for a slide: 1280×720 (16:9), text no smaller than 20 px, the
//! value, unit and fiscal year on each bar, the cities without data and the sources named
//! under the chart. Drawn as plain SVG elements: every size is computed here from the number
//! of bars, so no count of cities, one or none included, yields a negative or empty shape.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::domain::Unit;
use crate::read::compare::{Comparison, Normalization};

/// Slide size in pixels.
pub const WIDTH: f64 = 1280.0;
pub const HEIGHT: f64 = 720.0;
/// The smallest text on the slide: legible from the back of a meeting room.
pub const MIN_FONT: f64 = 20.0;

const LEFT: f64 = 110.0;
const RIGHT: f64 = 1240.0;
const TOP: f64 = 150.0;
const BASE: f64 = 540.0;
const BAR: &str = "#2e6eb4";
/// The font shipped for the PNG first ([`super::png::FONT_FAMILY`]), so that resvg and a
/// browser with IPAexGothic draw the same; browsers without it take the next Japanese font.
const FONT: &str = "IPAexGothic, 'IPAexゴシック', 'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', Meiryo, sans-serif";

/// Every fixed text the chart draws beside names, numbers and units, for the test that the
/// shipped font has a glyph for each character.
pub const FIXED_TEXTS: &[&str] = &[
    " — 最新値",
    ", latest value",
    "（人口10万人あたり）",
    " per 100,000 inhabitants",
    "単位: ",
    " / Unit: ",
    "データなし / no data",
    "データなし / no data: ",
    "、",
    "…",
    "年度",
    "（年度）",
    "出典 / Source: kyodo-hub",
    "出典 / Sources（kyodo-hub で集計）: ",
    "; ",
    " (",
    ")",
];

/// Escapes text for an SVG element or attribute.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters at all.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// About how wide `text` is at `size` px: full-width characters take an em, others about half.
fn width_of(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.56 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// `text` cut with an ellipsis so that it fits `max` px at `size` px.
fn fit(text: &str, size: f64, max: f64) -> String {
    if width_of(text, size) <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width_of(&out, size) + width_of(&c.to_string(), size) + size > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// A value as printed on its bar: whole numbers whole, others to one place.
fn value_label(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// A round step for about four grid lines up to `top`.
fn grid_step(top: f64) -> f64 {
    let rough = top / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(magnitude * 10.0)
}

struct Svg(String);

impl Svg {
    fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, extra: &str, text: &str) {
        let size = size.max(MIN_FONT);
        // Writing to a String cannot fail.
        let _ = write!(
            self.0,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size:.0}" text-anchor="{anchor}"{extra}>{}</text>"#,
            xml(text)
        );
    }
}

/// The unit line: `単位: 人（人口10万人あたり） / Unit: people per 100,000 inhabitants`.
pub fn unit_line(c: &Comparison) -> String {
    let (ja, en) = match c.metric.unit.parse::<Unit>() {
        Ok(u) => (u.label_ja().to_owned(), u.label_en().to_owned()),
        Err(_) => (c.metric.unit.clone(), c.metric.unit.clone()),
    };
    match c.per {
        Normalization::None => format!("単位: {ja} / Unit: {en}"),
        Normalization::Per100kPopulation => {
            format!("単位: {ja}（人口10万人あたり） / Unit: {en} per 100,000 inhabitants")
        }
    }
}

/// Draws the chart of the latest value of each city with data, highest first.
pub fn chart(c: &Comparison) -> String {
    let bars: Vec<(&str, f64, i32)> = c
        .rows
        .iter()
        .filter_map(|r| {
            r.latest()
                .map(|v| (r.municipality.name_ja.as_str(), v.value, v.fiscal_year))
        })
        .filter(|b| b.1.is_finite())
        .collect();
    let without: Vec<&str> = c
        .rows
        .iter()
        .filter(|r| r.latest().is_none())
        .map(|r| r.municipality.name_ja.as_str())
        .collect();
    let sources: BTreeSet<String> = c
        .rows
        .iter()
        .filter_map(|r| r.latest().and_then(|v| v.source.as_ref()))
        .map(|s| match &s.publisher {
            Some(p) => format!("{} ({p})", s.title),
            None => s.title.clone(),
        })
        .collect();

    let mut svg = Svg(String::new());
    let _ = write!(
        svg.0,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0}" height="{HEIGHT:.0}" viewBox="0 0 {WIDTH:.0} {HEIGHT:.0}" font-family="{FONT}" fill="#222">"##
    );
    let _ = write!(
        svg.0,
        r#"<rect x="0" y="0" width="{WIDTH:.0}" height="{HEIGHT:.0}" fill="white"/>"#
    );
    let per_ja = match c.per {
        Normalization::None => "",
        Normalization::Per100kPopulation => "（人口10万人あたり）",
    };
    let per_en = match c.per {
        Normalization::None => "",
        Normalization::Per100kPopulation => " per 100,000 inhabitants",
    };
    svg.text(
        40.0,
        58.0,
        34.0,
        "start",
        r#" font-weight="bold""#,
        &fit(
            &format!("{}{per_ja} — 最新値", c.metric.name_ja),
            34.0,
            WIDTH - 80.0,
        ),
    );
    svg.text(
        40.0,
        94.0,
        22.0,
        "start",
        "",
        &fit(
            &format!("{}{per_en}, latest value", c.metric.name_en),
            22.0,
            WIDTH - 80.0,
        ),
    );
    svg.text(
        40.0,
        126.0,
        MIN_FONT,
        "start",
        r##" fill="#555""##,
        &unit_line(c),
    );

    if bars.is_empty() {
        svg.text(
            WIDTH / 2.0,
            (TOP + BASE) / 2.0,
            40.0,
            "middle",
            r##" fill="#777""##,
            "データなし / no data",
        );
    } else {
        let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
        let step = if max > 0.0 { grid_step(max) } else { 1.0 };
        let top = (max / step).ceil().max(1.0) * step;
        let scale = (BASE - TOP - 40.0) / top;
        let mut tick = 0.0;
        while tick <= top + step / 2.0 {
            let y = BASE - tick * scale;
            let _ = write!(
                svg.0,
                r##"<line x1="{LEFT:.1}" y1="{y:.1}" x2="{RIGHT:.1}" y2="{y:.1}" stroke="{}" stroke-width="1"/>"##,
                if tick == 0.0 { "#444" } else { "#ddd" }
            );
            svg.text(
                LEFT - 12.0,
                y + 7.0,
                MIN_FONT,
                "end",
                r##" fill="#555""##,
                &value_label(tick),
            );
            tick += step;
        }
        let slot = (RIGHT - LEFT) / bars.len() as f64;
        let width = (slot * 0.6).clamp(4.0, 160.0);
        // Names that would collide are turned to read upwards.
        let turned = slot < 110.0;
        for (i, (name, value, year)) in bars.iter().enumerate() {
            let centre = LEFT + slot * (i as f64 + 0.5);
            let height = (value.max(0.0) * scale).max(0.0);
            let _ = write!(
                svg.0,
                r#"<rect x="{:.1}" y="{:.1}" width="{width:.1}" height="{height:.1}" fill="{BAR}"/>"#,
                centre - width / 2.0,
                BASE - height,
            );
            svg.text(
                centre,
                BASE - height - 10.0,
                24.0,
                "middle",
                r#" font-weight="bold""#,
                &value_label(*value),
            );
            let label = format!("{name}（{year}年度）");
            if turned {
                svg.text(
                    centre,
                    BASE + 24.0,
                    MIN_FONT,
                    "end",
                    &format!(r#" transform="rotate(-45 {centre:.1} {:.1})""#, BASE + 24.0),
                    &label,
                );
            } else {
                svg.text(centre, BASE + 32.0, 22.0, "middle", "", name);
                svg.text(
                    centre,
                    BASE + 60.0,
                    MIN_FONT,
                    "middle",
                    r##" fill="#555""##,
                    &format!("{year}年度"),
                );
            }
        }
    }

    if !without.is_empty() {
        svg.text(
            40.0,
            650.0,
            MIN_FONT,
            "start",
            "",
            &fit(
                &format!("データなし / no data: {}", without.join("、")),
                MIN_FONT,
                WIDTH - 80.0,
            ),
        );
    }
    let source = if sources.is_empty() {
        "出典 / Source: kyodo-hub".to_owned()
    } else {
        format!(
            "出典 / Sources（kyodo-hub で集計）: {}",
            sources.into_iter().collect::<Vec<_>>().join("; ")
        )
    };
    svg.text(
        40.0,
        690.0,
        MIN_FONT,
        "start",
        r##" fill="#555""##,
        &fit(&source, MIN_FONT, WIDTH - 80.0),
    );
    svg.0.push_str("</svg>");
    svg.0
}

#[cfg(test)]
mod tests {
    use super::{fit, grid_step, value_label, width_of};

    #[test]
    fn grid_steps_are_round() {
        assert_eq!(grid_step(54.0), 20.0);
        assert_eq!(grid_step(4.0), 1.0);
        assert_eq!(grid_step(0.3), 0.1);
        assert_eq!(value_label(45.62), "45.6");
        assert_eq!(value_label(52.0), "52");
    }

    #[test]
    fn long_text_is_cut_to_fit() {
        let long = "協働".repeat(100);
        let cut = fit(&long, 20.0, 400.0);
        assert!(cut.ends_with('…'));
        assert!(width_of(&cut, 20.0) <= 400.0);
        assert_eq!(fit("短い", 20.0, 400.0), "短い");
    }
}
