//! The pieces every HTML report shares: escaping, the page head with its one stylesheet, and
//! inlining a chart that was already drawn as an SVG file.
//!
//! Both `report.html` of a run ([`super::html`]) and that of a comparison
//! (`study::compare_html`) are single self-contained pages: they must open offline,
//! from a USB stick or an e-mail attachment, so the stylesheet and the charts sit inside the
//! page and nothing is fetched. Keeping escaping and inlining in one place means a fix to
//! either reaches every report, and one stylesheet means the reports look alike.
//!
//! Charts are never drawn for a page: the page embeds the very bytes of the chart file (see
//! [`inline_svg`]), so what a trainer shows from `report.html` is exactly `survival.svg`.

use anyhow::{bail, Result};

/// The stylesheet of every report page. Classes: `desc` (a scenario's description), `key`
/// (the sentences to read out), `n` (a number cell, right-aligned), `note` (a warning box).
pub const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}\
h1{font-size:2.2rem;margin-bottom:.2rem}.desc{font-size:1.2rem;color:#444}\
.key{font-size:1.35rem}.key li{margin:.4rem 0}\
figure{margin:2rem 0}figure svg{width:100%;height:auto;border:1px solid #ddd}\
table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:left}\
td.n{text-align:right}.note{background:#fff4d6;padding:.6rem 1rem;border-left:4px solid #e0a800}\
footer{margin-top:3rem;color:#666;font-size:.9rem}";

/// `text` with the characters that mean something in HTML replaced by entities, safe inside
/// element content and quoted attribute values. Every piece of scenario-provided text goes
/// through here: a scenario file is input and may contain `<`, `&` or quotes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The start of a report page up to and including `<body>`: doctype, character set, a
/// viewport for phones, the escaped `title` and [`STYLE`].
pub fn page_start(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    )
}

/// The `<svg>` element of an SVG file, to sit inside an HTML page: the file's own bytes from
/// `<svg` to the end, unchanged.
///
/// Only the prolog is dropped (a byte-order mark, an XML declaration, a doctype, comments and
/// white space before the root element), because HTML does not allow an XML declaration or a
/// second doctype. The element itself, `xmlns="http://www.w3.org/2000/svg"` included, is kept
/// byte for byte: HTML allows that attribute (it names the namespace, it fetches nothing), and
/// keeping it means the page shows exactly the drawing in the chart file. A file that is not UTF-8 or whose root
/// element is not `<svg>` is an error, never an empty figure.
pub fn inline_svg(svg: &[u8]) -> Result<&str> {
    let Ok(text) = std::str::from_utf8(svg) else {
        bail!("a chart to inline in the report is not UTF-8 text, so not an SVG file");
    };
    let mut rest = text.strip_prefix('\u{feff}').unwrap_or(text);
    loop {
        rest = rest.trim_start();
        let skip_to = if rest.starts_with("<?") {
            "?>"
        } else if rest.starts_with("<!--") {
            "-->"
        } else if rest.starts_with("<!") {
            ">"
        } else {
            break;
        };
        match rest.find(skip_to) {
            Some(i) => rest = &rest[i + skip_to.len()..],
            None => bail!("a chart to inline in the report has an unfinished XML prolog"),
        }
    }
    let root_is_svg = rest
        .strip_prefix("<svg")
        .and_then(|after| after.chars().next())
        .is_some_and(|c| c == '>' || c == '/' || c.is_ascii_whitespace());
    if !root_is_svg {
        let start: String = rest.chars().take(30).collect();
        bail!("a chart to inline in the report does not start with <svg but with {start:?}");
    }
    Ok(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x & 'y'")</script>"#),
            "&lt;script&gt;alert(&quot;x &amp; &#39;y&#39;&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape("Ünïcode — fine"), "Ünïcode — fine");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn inline_svg_keeps_a_bare_svg_file_byte_for_byte() {
        let file = "<svg width=\"1\" xmlns=\"http://www.w3.org/2000/svg\">\n\
                    <text>a &lt; b</text>\n</svg>\n";
        assert_eq!(inline_svg(file.as_bytes()).unwrap(), file);
    }

    #[test]
    fn inline_svg_drops_only_the_prolog() {
        let element = "<svg width=\"1\"><!-- kept --><text>x</text></svg>";
        let file = format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- drawn by a tool -->\n\
             <!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\">\n{element}"
        );
        // A byte-order mark, then a declaration, a comment and a doctype: all prolog.
        assert_eq!(inline_svg(file.as_bytes()).unwrap(), element);
    }

    #[test]
    fn inline_svg_refuses_what_is_not_an_svg_file() {
        for bad in [
            &b"\xff\xfe<svg></svg>"[..],
            b"",
            b"<?xml version=\"1.0\"",
            b"<html><svg></svg></html>",
            b"<svgx></svgx>",
        ] {
            assert!(
                inline_svg(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn page_start_escapes_the_title_and_holds_the_style() {
        let page = page_start("A <b> & \"c\"");
        assert!(page.contains("<title>A &lt;b&gt; &amp; &quot;c&quot;</title>"));
        assert!(page.contains(STYLE));
        assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("<body>\n"));
    }
}
