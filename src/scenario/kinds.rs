//! Kinds of participant (issue 12): people who join mainly to buy at a discount, dabblers and
//! builders, and "duplication", the chance that a recruit is the same kind as their sponsor.
//!
//! Why a kind is a set of parameter values over the scenario's: the scenario already describes
//! one person completely (traits, economics, quit rules), so a kind only needs to say where it
//! differs. Each kind starts from the scenario's values, takes its documented defaults
//! ([`Kind::defaults`]) and then the scenario's own `[kinds.<kind>]` values, checked by the same
//! rules as the top-level keys. With no `[kinds]` table everyone is the scenario's one kind and
//! nothing here is drawn, so results are exactly those of a scenario without kinds.
//!
//! ```toml
//! [kinds]
//! shares = { buyer = 0.3, dabbler = 0.5, builder = 0.2 }   # required, sum to 1
//! duplication = 0.6        # chance a recruit copies the sponsor's kind (default 0)
//! followed = "builder"     # optional: the followed person's kind (followed careers only)
//! [kinds.dabbler]
//! prospecting.contacts_per_month = 4                        # any per-person key
//! ```

use std::fmt::Write as _;

use toml_edit::{Item, TableLike, Value};

use super::resolve::{Found, Resolver};
use super::*;

/// The scenario table that holds the kinds.
pub const SECTION: &str = "kinds";
/// The `[kinds]` table keys a `--set` override may name; a kind's own values are
/// `kinds.<kind>.<section>.<key>` ([`is_kind_key`]).
pub const OVERRIDE_KEYS: &[&str] = &["kinds.shares", "kinds.duplication", "kinds.followed"];

/// A dabbler's hours when the scenario counts hours and the dabbler's own are not set:
/// `DABBLER_CONTACTS x prospecting.hours_per_contact`, so that at full effort a dabbler plans
/// the same few contacts a month as without hours (contacts = hours x follow-through x effort /
/// hours per contact). Without it a dabbler would inherit the builder's hours and prospect as
/// much as a builder. Left alone when hours are not counted (`time.hours_per_month` is 0 for
/// everyone) or when the time per contact is drawn (then set the dabbler's hours yourself).
fn dabbler_hours(p: &mut [Param]) {
    let counted = match p[ParamId::HoursPerMonth as usize] {
        Param::Fixed(h) => h > 0.0,
        Param::Drawn(_) => true,
    };
    if let (true, Param::Fixed(per_contact)) = (counted, p[ParamId::HoursPerContact as usize]) {
        p[ParamId::HoursPerMonth as usize] = Param::Fixed(Kind::DABBLER_CONTACTS * per_contact);
    }
}

/// True for `kinds.<kind>.<section>.<key>` where the rest is a per-person parameter a kind can
/// set: the `--set` form of a `[kinds.<kind>]` section's key.
pub fn is_kind_key(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("kinds.") else {
        return false;
    };
    let Some((kind, key)) = rest.split_once('.') else {
        return false;
    };
    Kind::from_name(kind).is_some() && ParamId::from_path(key).is_some()
}

/// A kind of participant. The discriminant is the kind's index in per-kind tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    /// Joined mainly to buy at a discount: no prospecting.
    Buyer = 0,
    /// Tries it on the side: a few contacts a month, enthusiasm fades fast.
    Dabbler = 1,
    /// Works the business: the person the scenario describes.
    Builder = 2,
}

impl Kind {
    /// All kinds, in index order.
    pub const ALL: [Kind; 3] = [Kind::Buyer, Kind::Dabbler, Kind::Builder];
    /// Number of kinds.
    pub const COUNT: usize = 3;

    /// Contacts a dabbler plans a month at full effort, in either way of counting: directly
    /// (`prospecting.contacts_per_month`), or, with hours counted, through hours of
    /// `DABBLER_CONTACTS x prospecting.hours_per_contact` ([`dabbler_hours`]).
    pub const DABBLER_CONTACTS: f64 = 3.0;

    /// Name as written in a scenario and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Buyer => "buyer",
            Kind::Dabbler => "dabbler",
            Kind::Builder => "builder",
        }
    }

    /// The kind with index `i` (see the discriminants).
    pub fn from_index(i: u8) -> Option<Kind> {
        Kind::ALL.get(usize::from(i)).copied()
    }

    fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == name)
    }

    /// The values this kind sets over the scenario's before the scenario's `[kinds.<kind>]`
    /// table is applied (docs/model.md, "Kinds of participant", says why each).
    pub fn defaults(self) -> &'static [(ParamId, f64)] {
        match self {
            // Joined for the discount: no prospecting, no income goal to be disappointed by,
            // their spending is shopping they do not quit over, and the product is worth to
            // them what they paid for it.
            // With hours counted (`time.hours_per_month`), contacts come from hours, so a
            // buyer also gives the business no hours.
            Kind::Buyer => &[
                (ParamId::ContactsPerMonth, 0.0),
                (ParamId::HoursPerMonth, 0.0),
                (ParamId::ExpectedMonthlyIncome, 0.0),
                (ParamId::LossTolerance, f64::INFINITY),
                (ParamId::ProductValue, 1.0),
            ],
            // On the side: a few people a month, and the first enthusiasm fades within months.
            Kind::Dabbler => &[
                (ParamId::ContactsPerMonth, Kind::DABBLER_CONTACTS),
                (ParamId::DecayPerMonth, 0.15),
            ],
            // The scenario's person.
            Kind::Builder => &[],
        }
    }
}

/// The kinds of a scenario: shares, duplication and every kind's parameters.
#[derive(Debug, Clone)]
pub struct Kinds {
    /// Share of each kind among founders and non-copied recruits, in [`Kind::ALL`] order;
    /// they sum to 1.
    pub shares: [f64; Kind::COUNT],
    /// Chance that a recruit is the sponsor's kind; otherwise the kind is drawn from the
    /// shares (so the chance of the sponsor's kind is `duplication + (1 - duplication) x share`).
    pub duplication: f64,
    /// The followed person's kind when fixed by the scenario (followed careers only).
    pub followed: Option<Kind>,
    /// Every parameter of each kind (the scenario's, with the kind's defaults and overrides).
    pub params: [Vec<Param>; Kind::COUNT],
}

impl Kinds {
    /// The kind whose share interval holds `u` in [0, 1).
    pub fn from_shares(&self, u: f64) -> Kind {
        let mut cumulative = 0.0;
        for k in Kind::ALL {
            cumulative += self.shares[k as usize];
            if u < cumulative {
                return k;
            }
        }
        // Rounding can leave the sum a hair under 1: the last kind with a share.
        Kind::ALL
            .iter()
            .rev()
            .copied()
            .find(|k| self.shares[*k as usize] > 0.0)
            .unwrap_or(Kind::Builder)
    }

    /// The resolved values as `key = value` lines for `check` and the fingerprint: shares,
    /// duplication, the followed kind, and each kind's values that differ from `base`.
    pub fn listing(&self, base: &[Param]) -> Vec<(String, String)> {
        let mut shares = String::from("{ ");
        for k in Kind::ALL {
            let sep = if k == Kind::Builder { " }" } else { ", " };
            let _ = write!(
                shares,
                "{} = {}{sep}",
                k.as_str(),
                crate::fmt::compact(self.shares[k as usize])
            );
        }
        let mut out = vec![
            ("kinds.shares".to_string(), shares),
            (
                "kinds.duplication".to_string(),
                crate::fmt::compact(self.duplication),
            ),
        ];
        if let Some(k) = self.followed {
            out.push(("kinds.followed".into(), format!("{:?}", k.as_str())));
        }
        for k in Kind::ALL {
            for (id, (p, b)) in ParamId::ALL
                .iter()
                .zip(self.params[k as usize].iter().zip(base))
            {
                if p.describe() != b.describe() {
                    out.push((
                        format!("kinds.{}.{}", k.as_str(), id.spec().path),
                        p.describe(),
                    ));
                }
            }
        }
        out
    }
}

impl Resolver<'_> {
    /// The `[kinds]` table (and its `--set` overrides), checked; `None` when there is none.
    /// Also checks `economics.product_value`, which must be one number per kind.
    pub(super) fn kinds(&self, base: &[Param]) -> Result<Option<Kinds>, ScenarioError> {
        self.product_value_is_fixed(
            "economics.product_value",
            &base[ParamId::ProductValue as usize],
        )?;
        let root = self.doc.as_table();
        let overridden = self.overrides.iter().any(|o| o.path.starts_with("kinds."));
        let table: Option<&dyn TableLike> = match root.get(SECTION) {
            None => None,
            Some(item) => Some(item.as_table_like().ok_or_else(|| {
                self.err(
                    Some(SECTION),
                    self.span_origin(root.key(SECTION).and_then(|k| k.span())),
                    "`kinds` must be a table, e.g. [kinds] with shares = { buyer = 0.3, dabbler = 0.5, builder = 0.2 }".into(),
                )
            })?),
        };
        if table.is_none() && !overridden {
            return Ok(None);
        }
        let allowed = [
            "shares",
            "duplication",
            "followed",
            "buyer",
            "dabbler",
            "builder",
        ];
        if let Some(t) = table {
            for (key, _) in t.iter() {
                if !allowed.contains(&key) {
                    let path = format!("kinds.{key}");
                    let suggestion = did_you_mean(key, &allowed)
                        .map(|s| format!("; did you mean `kinds.{s}`?"))
                        .unwrap_or_default();
                    return Err(self.err(
                        Some(&path),
                        self.span_origin(t.key(key).and_then(|k| k.span())),
                        format!(
                            "unknown key `{path}`{suggestion} Allowed here: {}.",
                            allowed.join(", ")
                        ),
                    ));
                }
            }
        }
        let shares = self.kind_shares()?;
        let duplication =
            match self.param_spec(&ParamSpec {
                path: "kinds.duplication",
                min: 0.0,
                max: 1.0,
                default: 0.0,
                unit: Unit::Share,
                doc: "chance a recruit is the sponsor's kind",
            })? {
                Param::Fixed(v) => v,
                Param::Drawn(_) => return Err(self.err(
                    Some("kinds.duplication"),
                    self.find("kinds.duplication")
                        .map(|f| f.origin)
                        .unwrap_or(Origin::Unknown),
                    "must be a single number from 0 to 1 (a chance, the same for every recruit)"
                        .into(),
                )),
            };
        let followed = match self.find("kinds.followed") {
            None => None,
            Some(found) => {
                let name = found.value.and_then(Value::as_str);
                let Some(kind) = name.and_then(Kind::from_name) else {
                    return Err(self.err(
                        Some("kinds.followed"),
                        found.origin,
                        "expected one of \"buyer\", \"dabbler\", \"builder\" (the followed person's kind)".into(),
                    ));
                };
                if self.is_company()? {
                    return Err(self.err(
                        Some("kinds.followed"),
                        found.origin,
                        "a company world follows no one: its founders draw their kind from kinds.shares; remove this key".into(),
                    ));
                }
                Some(kind)
            }
        };
        let mut params: [Vec<Param>; Kind::COUNT] = Default::default();
        for k in Kind::ALL {
            let mut p = base.to_vec();
            for (id, v) in k.defaults() {
                p[*id as usize] = Param::Fixed(*v);
            }
            let item = table.and_then(|t| t.get(k.as_str()));
            let mut set = Vec::new();
            if let Some(item) = item {
                set.extend(self.kind_values(k, item, &mut p)?);
            }
            set.extend(self.kind_overrides(k, &mut p)?);
            if k == Kind::Dabbler && !set.contains(&ParamId::HoursPerMonth) {
                dabbler_hours(&mut p);
            }
            self.kind_conversion_fits(k, item, &p)?;
            params[k as usize] = p;
        }
        Ok(Some(Kinds {
            shares,
            duplication,
            followed,
            params,
        }))
    }

    fn product_value_is_fixed(&self, path: &str, p: &Param) -> Result<(), ScenarioError> {
        if let Param::Drawn(_) = p {
            let origin = self.find(path).map(|f| f.origin).unwrap_or(Origin::Unknown);
            return Err(self.err(
                Some(path),
                origin,
                "must be a single number from 0 to 2 (it can differ by kind: set it in [kinds.buyer] etc.)".into(),
            ));
        }
        Ok(())
    }

    /// `kinds.shares`: an inline table (or `[kinds.shares]`) of kind = share, summing to 1.
    fn kind_shares(&self) -> Result<[f64; Kind::COUNT], ScenarioError> {
        let path = "kinds.shares";
        let example = "e.g. shares = { buyer = 0.3, dabbler = 0.5, builder = 0.2 }";
        let Some(found) = self.find(path) else {
            return Err(self.err(
                Some(path),
                Origin::Unknown,
                format!("a [kinds] table needs the share of each kind, {example}"),
            ));
        };
        let table = found
            .value
            .and_then(|v| v.as_inline_table().map(|t| t as &dyn TableLike))
            .or_else(|| found.item.as_table_like());
        let Some(table) = table else {
            return Err(self.type_error(
                path,
                &found,
                &format!("a table of kind = share, {example}"),
            ));
        };
        let mut shares = [0.0; Kind::COUNT];
        for (name, item) in table.iter() {
            let Some(kind) = Kind::from_name(name) else {
                return Err(self.err(
                    Some(&format!("{path}.{name}")),
                    found.origin,
                    format!("`{name}` is not a kind; allowed: buyer, dabbler, builder"),
                ));
            };
            let x = match item.as_value() {
                Some(Value::Integer(i)) => *i.value() as f64,
                Some(Value::Float(f)) => *f.value(),
                _ => f64::NAN,
            };
            if !(0.0..=1.0).contains(&x) {
                return Err(self.err(
                    Some(&format!("{path}.{name}")),
                    found.origin,
                    "a share must be a number from 0 to 1".into(),
                ));
            }
            shares[kind as usize] = x;
        }
        let total: f64 = shares.iter().sum();
        if (total - 1.0).abs() > 1e-9 {
            return Err(self.err(
                Some(path),
                found.origin,
                format!(
                    "the shares add up to {}; they must add up to 1",
                    crate::fmt::compact(total)
                ),
            ));
        }
        Ok(shares)
    }

    /// `[kinds.<kind>]`: sections of per-person keys, each checked like the top-level key.
    /// Returns the keys it set.
    fn kind_values(
        &self,
        k: Kind,
        item: &Item,
        p: &mut [Param],
    ) -> Result<Vec<ParamId>, ScenarioError> {
        let mut set = Vec::new();
        let at = format!("kinds.{}", k.as_str());
        let origin_of = |span| self.span_origin(span);
        let Some(table) = item.as_table_like() else {
            return Err(self.err(
                Some(&at),
                origin_of(item.span()),
                format!("`{at}` must be a table of per-person keys, e.g. [{at}] with prospecting.contacts_per_month = 4"),
            ));
        };
        let per_person: Vec<&str> = PARAMS.iter().map(|s| s.path).collect();
        for (section, sub) in table.iter() {
            let section_span = table.key(section).and_then(|key| key.span());
            let Some(keys) = sub.as_table_like() else {
                return Err(self.err(
                    Some(&format!("{at}.{section}")),
                    origin_of(section_span),
                    format!("expected a section of per-person keys (e.g. {at}.prospecting.contacts_per_month = 4)"),
                ));
            };
            for (key, v) in keys.iter() {
                let path = format!("{section}.{key}");
                let full = format!("{at}.{path}");
                let span = v
                    .span()
                    .or_else(|| keys.key(key).and_then(|key| key.span()))
                    .or(section_span.clone());
                let Some(id) = ParamId::from_path(&path) else {
                    let suggestion = did_you_mean(&path, &per_person)
                        .map(|s| format!("; did you mean `{at}.{s}`?"))
                        .unwrap_or_default();
                    return Err(self.err(
                        Some(&full),
                        origin_of(span),
                        format!("`{path}` is not a per-person parameter a kind can set{suggestion} (see the levers table in docs/model.md; plan and run settings apply to everyone)"),
                    ));
                };
                let found = Found {
                    value: v.as_value(),
                    item: v,
                    origin: origin_of(span),
                };
                let param = self.param_found(id.spec(), &full, found)?;
                if id == ParamId::ProductValue {
                    if let Param::Drawn(_) = param {
                        return Err(self.err(
                            Some(&full),
                            origin_of(v.span()),
                            "must be a single number from 0 to 2".into(),
                        ));
                    }
                }
                p[id as usize] = param;
                set.push(id);
            }
        }
        Ok(set)
    }

    /// `--set kinds.<kind>.<section>.<key>=value`: a per-person key of one kind, checked like
    /// the same key in a `[kinds.<kind>]` section; applied after the file's values, in order,
    /// so the last one naming a key wins (as for every other override).
    /// Returns the keys it set.
    fn kind_overrides(&self, k: Kind, p: &mut [Param]) -> Result<Vec<ParamId>, ScenarioError> {
        let mut set = Vec::new();
        let prefix = format!("kinds.{}.", k.as_str());
        for o in self.overrides {
            let Some(path) = o.path.strip_prefix(&prefix) else {
                continue;
            };
            // check_override_keys has already refused anything that is not a per-person key.
            let Some(id) = ParamId::from_path(path) else {
                continue;
            };
            let found = Found {
                value: Some(&o.value),
                item: &Item::None,
                origin: Origin::Override(o.text.clone()),
            };
            let param = self.param_found(id.spec(), &o.path, found)?;
            if id == ParamId::ProductValue {
                if let Param::Drawn(_) = param {
                    return Err(self.err(
                        Some(&o.path),
                        Origin::Override(o.text.clone()),
                        "must be a single number from 0 to 2".into(),
                    ));
                }
            }
            p[id as usize] = param;
            set.push(id);
        }
        Ok(set)
    }

    /// A kind's join and customer chances must leave room for a "no".
    fn kind_conversion_fits(
        &self,
        k: Kind,
        item: Option<&Item>,
        p: &[Param],
    ) -> Result<(), ScenarioError> {
        let (pj, pc) = (
            &p[ParamId::JoinProbability as usize],
            &p[ParamId::CustomerProbability as usize],
        );
        if let (Param::Fixed(a), Param::Fixed(b)) = (pj, pc) {
            if a + b > 1.0 + 1e-12 {
                let at = format!("kinds.{}", k.as_str());
                let origin = self
                    .overrides
                    .iter()
                    .rev()
                    .find(|o| o.path.starts_with(&format!("{at}.")))
                    .map(|o| Origin::Override(o.text.clone()))
                    .unwrap_or_else(|| self.span_origin(item.and_then(Item::span)));
                return Err(self.err(
                    Some(&at),
                    origin,
                    format!("for this kind join_probability + customer_probability = {} exceeds 1: a contact either joins, buys, or says no", a + b),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "name = \"x\"\n";

    fn err(text: &str) -> ScenarioError {
        parse(&format!("{HEAD}{text}"), "k.toml", &[]).unwrap_err()
    }

    #[test]
    fn with_hours_counted_buyers_give_none_and_dabblers_plan_the_same_few_contacts() {
        let kinds = "[kinds]\nshares = { buyer = 0.5, dabbler = 0.25, builder = 0.25 }\n";
        let hours = |text: &str| {
            let s = parse(&format!("{HEAD}{text}{kinds}"), "k.toml", &[]).unwrap();
            let k = s.kinds.unwrap();
            Kind::ALL.map(
                |kind| match k.params[kind as usize][ParamId::HoursPerMonth as usize] {
                    Param::Fixed(v) => v,
                    Param::Drawn(_) => f64::NAN,
                },
            )
        };
        // Hours counted: 20 h a month, 1.5 h a contact.
        let counted = "[time]\nhours_per_month = 20\n[prospecting]\nhours_per_contact = 1.5\n";
        assert_eq!(hours(counted), [0.0, Kind::DABBLER_CONTACTS * 1.5, 20.0]);
        // A dabbler's own hours are kept.
        let own = format!("{counted}[kinds.dabbler]\ntime.hours_per_month = 7\n");
        let s = parse(&format!("{HEAD}{own}{kinds}"), "k.toml", &[]).unwrap();
        let d = s.kinds.unwrap().params[Kind::Dabbler as usize][ParamId::HoursPerMonth as usize];
        assert!(matches!(d, Param::Fixed(v) if v == 7.0));
        // Hours not counted: nobody gets any, and contacts come from contacts_per_month.
        assert_eq!(hours(""), [0.0, 0.0, 0.0]);
    }

    #[test]
    fn a_kinds_own_key_can_be_set_from_the_command_line() {
        let text = format!("{HEAD}[kinds]\nshares = {{ buyer = 0.5, dabbler = 0.25, builder = 0.25 }}\n[kinds.dabbler]\nprospecting.contacts_per_month = 2\n");
        let set = |o: &[&str]| {
            let o: Vec<Override> = o.iter().map(|t| Override::parse(t).unwrap()).collect();
            parse(&text, "k.toml", &o)
        };
        let s = set(&[
            "kinds.dabbler.prospecting.contacts_per_month=6",
            "kinds.builder.training.quality=0.9",
            "kinds.builder.training.quality=0.7",
        ])
        .unwrap();
        let k = s.kinds.as_ref().unwrap();
        let get = |kind: Kind, id: ParamId| k.params[kind as usize][id as usize];
        // The override beats the file's value; the last of two overrides wins.
        assert!(
            matches!(get(Kind::Dabbler, ParamId::ContactsPerMonth), Param::Fixed(v) if v == 6.0)
        );
        assert!(
            matches!(get(Kind::Builder, ParamId::TrainingQuality), Param::Fixed(v) if v == 0.7)
        );
        // Other kinds keep the scenario's value.
        for kind in [Kind::Buyer, Kind::Dabbler] {
            assert!(
                matches!(get(kind, ParamId::TrainingQuality), Param::Fixed(v) if v != 0.7),
                "{kind:?} took the builder's value"
            );
        }
        // Checked like the file's key: range, key name, kind name.
        let e = set(&["kinds.builder.training.quality=1.5"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("kinds.builder.training.quality"), "{e}");
        assert!(e.contains("kinds.builder.training.quality=1.5"), "{e}");
        let e = set(&["kinds.builder.training.qualty=0.5"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown key"), "{e}");
        let e = set(&["kinds.boss.training.quality=0.5"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown key"), "{e}");
        let e = set(&[
            "kinds.builder.prospecting.join_probability=0.7",
            "kinds.builder.prospecting.customer_probability=0.5",
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("exceeds 1"), "{e}");
    }

    #[test]
    fn kinds_parse_with_defaults_overrides_and_listing() {
        let s = parse(
            &format!("{HEAD}[prospecting]\ncontacts_per_month = 12\n[kinds]\nshares = {{ buyer = 0.25, dabbler = 0.5, builder = 0.25 }}\nduplication = 0.7\n[kinds.dabbler]\nprospecting.contacts_per_month = {{ uniform = [1, 5] }}\n[kinds.builder.training]\nquality = 0.5\n"),
            "k.toml",
            &[],
        )
        .unwrap();
        let k = s.kinds.as_ref().unwrap();
        assert_eq!(k.shares, [0.25, 0.5, 0.25]);
        assert_eq!(k.duplication, 0.7);
        let get = |kind: Kind, id: ParamId| k.params[kind as usize][id as usize];
        assert!(matches!(get(Kind::Buyer, ParamId::ContactsPerMonth), Param::Fixed(v) if v == 0.0));
        assert!(matches!(
            get(Kind::Dabbler, ParamId::ContactsPerMonth),
            Param::Drawn(_)
        ));
        assert!(
            matches!(get(Kind::Builder, ParamId::ContactsPerMonth), Param::Fixed(v) if v == 12.0)
        );
        assert!(
            matches!(get(Kind::Builder, ParamId::TrainingQuality), Param::Fixed(v) if v == 0.5)
        );
        let listing = s.canonical_listing();
        assert!(listing
            .iter()
            .any(|(key, v)| key == "kinds.dabbler.consistency.decay_per_month" && v == "0.15"));
        assert!(listing.iter().any(|(key, _)| key == "kinds.shares"));
        // Without a table: no kinds, and the fingerprint lists none.
        let plain = parse(HEAD, "k.toml", &[]).unwrap();
        assert!(plain.kinds.is_none());
        assert!(!plain
            .canonical_listing()
            .iter()
            .any(|(key, _)| key.starts_with("kinds")));
    }

    #[test]
    fn duplication_can_be_set_from_the_command_line() {
        let o = [Override::parse("kinds.duplication=0.9").unwrap()];
        let s = parse(
            &format!("{HEAD}[kinds]\nshares = {{ builder = 1 }}\n"),
            "k.toml",
            &o,
        )
        .unwrap();
        assert_eq!(s.kinds.unwrap().duplication, 0.9);
        let o = [Override::parse("kinds.duplication=1.5").unwrap()];
        let e = parse(
            &format!("{HEAD}[kinds]\nshares = {{ builder = 1 }}\n"),
            "k.toml",
            &o,
        )
        .unwrap_err();
        assert!(matches!(e.origin, Origin::Override(_)), "{e}");
    }

    #[test]
    fn bad_kinds_input_names_the_key_the_line_and_what_is_allowed() {
        let e = err("[kinds]\nshares = { buyer = 0.5, builder = 0.4 }\n");
        assert_eq!(e.key.as_deref(), Some("kinds.shares"));
        assert_eq!(e.origin, Origin::Line(3));
        assert!(
            e.message.contains("add up to 0.9") && e.message.contains("must add up to 1"),
            "{e}"
        );

        let e = err("[kinds]\nshares = { shopper = 1 }\n");
        assert!(e.message.contains("buyer, dabbler, builder"), "{e}");

        let e = err("[kinds]\nduplication = 0.5\n");
        assert!(e.message.contains("needs the share of each kind"), "{e}");

        let e = err("[kinds]\nshares = { builder = 1 }\nduplicaton = 0.5\n");
        assert_eq!(e.origin, Origin::Line(4));
        assert!(
            e.message.contains("did you mean `kinds.duplication`"),
            "{e}"
        );

        let e = err("[kinds]\nshares = { builder = 1 }\n[kinds.dabbler]\nprospecting.contacts_per_mnth = 2\n");
        assert_eq!(
            e.key.as_deref(),
            Some("kinds.dabbler.prospecting.contacts_per_mnth")
        );
        assert_eq!(e.origin, Origin::Line(5));
        assert!(
            e.message
                .contains("did you mean `kinds.dabbler.prospecting.contacts_per_month`"),
            "{e}"
        );

        let e = err("[kinds]\nshares = { builder = 1 }\n[kinds.dabbler]\ndownline.depth = 2\n");
        assert!(e.message.contains("not a per-person parameter"), "{e}");

        let e = err(
            "[kinds]\nshares = { builder = 1 }\n[kinds.buyer.prospecting]\njoin_probability = 2\n",
        );
        assert_eq!(
            e.key.as_deref(),
            Some("kinds.buyer.prospecting.join_probability")
        );
        assert_eq!(e.origin, Origin::Line(5));
        assert!(e.message.contains("0 to 1"), "{e}");

        let e = err("[kinds]\nshares = { builder = 1 }\nfollowed = \"boss\"\n");
        assert!(
            e.message.contains("\"buyer\", \"dabbler\", \"builder\""),
            "{e}"
        );

        let e = err("[economics]\nproduct_value = { uniform = [0, 1] }\n");
        assert_eq!(e.key.as_deref(), Some("economics.product_value"));
        assert!(e.message.contains("single number"), "{e}");

        let e = err("kinds = 3\n");
        assert!(e.message.contains("must be a table"), "{e}");
    }

    #[test]
    fn a_company_draws_founders_kinds_and_follows_no_one() {
        let company =
            "kind = \"company\"\n[company]\nfounders = 2\nyears = 1\n[market]\nsize = 1000\n";
        let e = err(&format!(
            "{company}[kinds]\nshares = {{ builder = 1 }}\nfollowed = \"buyer\"\n"
        ));
        assert_eq!(e.key.as_deref(), Some("kinds.followed"));
        assert!(e.message.contains("founders draw"), "{e}");
    }
}
