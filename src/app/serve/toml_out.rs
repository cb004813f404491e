//! The page's settings as a scenario file that `mlm-sim run` reproduces exactly.
//!
//! The file is the scenario's own text with each moved lever written in place (its old value
//! kept in a comment), so the trainer gets the original comments and sources back, not a bare
//! listing. Before the text is handed out it is parsed again and its fingerprint (every
//! resolved value, careers and seed included) compared with the scenario the page ran: a file
//! that would not reproduce the page's numbers is never offered.

use anyhow::{bail, Context, Result};
use toml_edit::{DocumentMut, Item, Value};

use mlm_sim::scenario;

use super::simulate::Resolved;

/// The settings of `r` as scenario TOML.
pub fn scenario_toml(r: &Resolved<'_>) -> Result<String> {
    let mut doc: DocumentMut = r
        .entry
        .text
        .parse()
        .with_context(|| format!("cannot re-read {}", r.entry.file))?;
    for o in &r.overrides {
        let parts: Vec<&str> = o.path.split('.').collect();
        let (last, tables) = parts.split_last().context("empty key")?;
        let mut item: &mut Item = doc.as_item_mut();
        for t in tables {
            item = &mut item[*t];
        }
        let old = item.get(last).and_then(|v| v.as_value()).map(|v| {
            let mut v = v.clone();
            v.decor_mut().clear();
            v.to_string()
        });
        let mut value: Value = o.value.clone();
        value.decor_mut().clear();
        let note = match old {
            Some(old) if old.trim() != value.to_string().trim() => {
                format!(" # set on the workshop page (the file had {})", old.trim())
            }
            Some(_) => String::new(),
            None => " # set on the workshop page".to_string(),
        };
        value.decor_mut().set_prefix(" ");
        value.decor_mut().set_suffix(note);
        item[*last] = Item::Value(value);
    }
    let mut text = format!(
        "# Settings from the mlm-sim workshop page, based on {}.\n# Reproduce: mlm-sim run <this file> (same seed and careers give the same numbers).\n",
        r.entry.file
    );
    if !r.overrides.is_empty() {
        let moved: Vec<&str> = r.overrides.iter().map(|o| o.text.as_str()).collect();
        text.push_str(&format!("# Moved: {}\n", moved.join(", ")));
    }
    text.push_str(&doc.to_string());
    let again = scenario::parse(&text, &r.entry.file, &[])
        .map_err(|e| anyhow::anyhow!("the settings file does not read back: {e}"))?;
    if again.fingerprint() != r.scenario.fingerprint() {
        bail!(
            "the settings file would not reproduce the page's numbers (fingerprint {} instead of {})",
            again.fingerprint(),
            r.scenario.fingerprint()
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::super::catalog::Catalog;
    use super::super::simulate::{resolve, Limits, Settings};
    use super::*;

    #[test]
    fn moved_levers_read_back_to_the_same_scenario() {
        let c = Catalog::load(&[]).unwrap();
        let mut side = Settings {
            scenario: "typical".into(),
            ..Settings::default()
        };
        side.settings
            .insert("prospecting.join_probability".into(), "0.05".into());
        side.settings
            .insert("attrition.life_events_per_month".into(), "0.01".into());
        side.settings.insert(
            "economics.loss_tolerance".into(),
            "{ normal = [900, 100] }".into(),
        );
        side.means.insert("rejection.resilience".into(), 0.7);
        let limits = Limits {
            max_careers: 1_000_000,
            max_work: 1e11,
        };
        let r = resolve(&c, &side, Some(3000), limits).ok().unwrap();
        let text = scenario_toml(&r).unwrap();
        assert!(text.contains("join_probability = 0.05 # set on the workshop page"));
        assert!(text.contains("careers = 3000"));
        let back = scenario::parse(&text, "x", &[]).unwrap();
        assert_eq!(back.fingerprint(), r.scenario.fingerprint());
        // Without changes the file is the scenario itself.
        side.settings.clear();
        side.means.clear();
        let r = resolve(&c, &side, None, limits).ok().unwrap();
        let back = scenario::parse(&scenario_toml(&r).unwrap(), "x", &[]).unwrap();
        assert_eq!(back.fingerprint(), r.entry.base.fingerprint());
    }
}
