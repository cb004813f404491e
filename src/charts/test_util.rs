//! Assertions shared by the chart tests.

use std::collections::HashSet;

use super::{ChartError, ChartFormat, ChartSize, ChartText};

/// Title used by tests; checked for in the SVG output.
pub const TITLE: &str = "Scenario: Test Nutrition Co";

/// Text for test charts.
pub fn text() -> ChartText {
    ChartText::new(TITLE, "10,000 careers · 60 months · seed 42").with_subtitle("a test subtitle")
}

/// A small canvas: keeps the test run quick.
pub const SMALL: ChartSize = ChartSize {
    width: 480,
    height: 270,
};

/// Renders in both formats and checks both outputs.
pub fn check_both(render: impl Fn(ChartFormat) -> Result<Vec<u8>, ChartError>) {
    check_png(&render(ChartFormat::Png).expect("png renders"), SMALL);
    check_svg(&render(ChartFormat::Svg).expect("svg renders"));
}

/// The PNG decodes at `size` and is not blank.
pub fn check_png(bytes: &[u8], size: ChartSize) {
    let img = image::load_from_memory(bytes).expect("valid png").to_rgb8();
    assert_eq!((img.width(), img.height()), (size.width, size.height));
    let colours: HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() > 20,
        "only {} colours: blank chart?",
        colours.len()
    );
}

/// The SVG is a complete document containing the title.
pub fn check_svg(bytes: &[u8]) {
    let s = std::str::from_utf8(bytes).expect("utf-8 svg");
    let t = s.trim();
    assert!(
        t.starts_with("<svg"),
        "starts with {:?}",
        &t[..t.len().min(40)]
    );
    assert!(t.ends_with("</svg>"));
    assert!(s.contains(TITLE), "title missing from svg");
    assert!(s.contains("<text"), "no text in svg");
}
