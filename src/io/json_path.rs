//! Paths into nested JSON values: `email`, `address.zip`, `addresses[].zip`,
//! `phones[0]`.
//!
//! A path gives a list of *slots*, one per value it can reach: one slot for a
//! plain path, one per array element for each `[]`. A missing key gives an
//! empty slot rather than no slot, so that `addresses[].street` and
//! `addresses[].zip` stay aligned element by element even when one address
//! has no zip.

use std::fmt;

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// An object key.
    Key(String),
    /// Every element of an array (`[]`).
    Each,
    /// One element of an array (`[0]`).
    Index(usize),
}

/// A parsed path.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct JsonPath {
    text: String,
    steps: Vec<Step>,
}

impl fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A leaf that is not a text value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LeafIssue {
    /// An array where a single value was expected.
    List,
    /// An object where a single value was expected.
    Object,
}

impl JsonPath {
    /// Parses a path; `None` when it is malformed (empty segment, unclosed
    /// bracket, index that is not a number).
    pub(crate) fn parse(text: &str) -> Option<JsonPath> {
        let mut steps = Vec::new();
        for segment in text.split('.') {
            let (key, mut rest) = match segment.find('[') {
                Some(i) => (&segment[..i], &segment[i..]),
                None => (segment, ""),
            };
            if key.is_empty() || key.contains(']') {
                return None;
            }
            steps.push(Step::Key(key.to_owned()));
            while !rest.is_empty() {
                let close = rest.find(']')?;
                let inside = rest.get(1..close)?;
                steps.push(if inside.is_empty() {
                    Step::Each
                } else if inside.bytes().all(|b| b.is_ascii_digit()) {
                    Step::Index(inside.parse().ok()?)
                } else {
                    return None;
                });
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return None;
                }
            }
        }
        Some(JsonPath {
            text: text.to_owned(),
            steps,
        })
    }

    /// The path as written.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The one text value a path without `[]` reaches in `value`, borrowed
    /// when it is a string: [`slots`](Self::slots)' single slot without its
    /// vector and copy (`Ok(None)` for `null` or a missing key). `None` for
    /// a path with `[]`, which may reach several.
    pub(crate) fn single<'v>(
        &self,
        value: &'v Value,
    ) -> Option<Result<Option<std::borrow::Cow<'v, str>>, LeafIssue>> {
        use std::borrow::Cow;
        let mut leaf = Some(value);
        for step in &self.steps {
            leaf = match step {
                Step::Key(key) => leaf.and_then(|v| v.get(key.as_str())),
                Step::Index(i) => leaf.and_then(|v| v.get(*i)),
                Step::Each => return None,
            };
        }
        Some(match leaf {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(Cow::Borrowed(s.as_str()))),
            Some(Value::Number(n)) => Ok(Some(Cow::Owned(n.to_string()))),
            Some(Value::Bool(b)) => Ok(Some(Cow::Owned(b.to_string()))),
            Some(Value::Array(_)) => Err(LeafIssue::List),
            Some(Value::Object(_)) => Err(LeafIssue::Object),
        })
    }

    /// The text values the path reaches in `value`, one slot each. Numbers and
    /// booleans are given as written; `null` and missing keys give `None`.
    pub(crate) fn slots(&self, value: &Value) -> Result<Vec<Option<String>>, LeafIssue> {
        let mut leaves = Vec::new();
        walk(&self.steps, value, &mut leaves);
        leaves
            .into_iter()
            .map(|leaf| match leaf {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(Value::Bool(b)) => Ok(Some(b.to_string())),
                Some(Value::Array(_)) => Err(LeafIssue::List),
                Some(Value::Object(_)) => Err(LeafIssue::Object),
            })
            .collect()
    }
}

fn walk<'v>(steps: &[Step], value: &'v Value, out: &mut Vec<Option<&'v Value>>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(Some(value));
        return;
    };
    match step {
        Step::Key(key) => match value.get(key.as_str()) {
            Some(inner) => walk(rest, inner, out),
            None => out.push(None),
        },
        Step::Index(i) => match value.get(*i) {
            Some(inner) => walk(rest, inner, out),
            None => out.push(None),
        },
        Step::Each => match value {
            Value::Array(items) => items.iter().for_each(|item| walk(rest, item, out)),
            // A missing list has no elements.
            Value::Null => {}
            // Exports often write a lone element without its list.
            other => walk(rest, other, out),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slots(path: &str, value: &Value) -> Vec<Option<String>> {
        JsonPath::parse(path).unwrap().slots(value).unwrap()
    }

    #[test]
    fn paths_reach_nested_values() {
        let v = json!({
            "email": "marie@example.fr",
            "address": {"zip": "75011"},
            "addresses": [{"zip": "75011", "city": "Paris"}, {"city": "Lyon"}, {"zip": 69001}],
            "phones": ["06 12 34 56 78", "01 43 00 00 00"],
            "optin": true,
            "nothing": null
        });
        assert_eq!(slots("email", &v), [Some("marie@example.fr".to_owned())]);
        assert_eq!(slots("address.zip", &v), [Some("75011".to_owned())]);
        assert_eq!(
            slots("addresses[].zip", &v),
            [Some("75011".to_owned()), None, Some("69001".to_owned())]
        );
        assert_eq!(slots("phones[1]", &v), [Some("01 43 00 00 00".to_owned())]);
        assert_eq!(slots("phones[7]", &v), [None]);
        assert_eq!(slots("optin", &v), [Some("true".to_owned())]);
        assert_eq!(slots("nothing", &v), [None]);
        assert_eq!(slots("missing.deeper", &v), [None]);
        assert_eq!(slots("nothing[]", &v), Vec::<Option<String>>::new());
        assert_eq!(slots("address[].zip", &v), [Some("75011".to_owned())]);
    }

    #[test]
    fn lists_and_objects_are_not_text() {
        let v = json!({"phones": ["06"], "address": {"zip": "1"}});
        let p = JsonPath::parse("phones").unwrap();
        assert_eq!(p.slots(&v), Err(LeafIssue::List));
        let p = JsonPath::parse("address").unwrap();
        assert_eq!(p.slots(&v), Err(LeafIssue::Object));
    }

    #[test]
    fn malformed_paths_are_refused() {
        for bad in [
            "", ".", "a.", "a..b", "[]", "a[", "a[x]", "a[]b", "a]", "a[-1]",
        ] {
            assert!(JsonPath::parse(bad).is_none(), "{bad}");
        }
        for good in ["a", "a.b", "a[]", "a[0]", "a[][]", "a[2].b[].c"] {
            assert_eq!(JsonPath::parse(good).unwrap().as_str(), good);
        }
    }

    fn json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-c ]{0,3}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::btree_map("[ab]", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// A path without `[]` reaches one value: `single` gives what
        /// `slots` gives for it, borrowed.
        #[test]
        fn single_is_the_one_slot(value in json(), path in "[ab](\\.[ab]|\\[[0-2]\\]){0,3}") {
            let path = JsonPath::parse(&path).unwrap();
            let single = path.single(&value).unwrap().map(|v| v.map(|v| v.into_owned()));
            let expected = match path.slots(&value) {
                Ok(slots) => {
                    proptest::prop_assert_eq!(slots.len(), 1);
                    Ok(slots.into_iter().next().flatten())
                }
                Err(issue) => Err(issue),
            };
            proptest::prop_assert_eq!(single, expected);
        }
    }

    #[test]
    fn single_is_none_for_paths_with_each() {
        let v = json!({"a": [{"b": "x"}]});
        assert!(JsonPath::parse("a[].b").unwrap().single(&v).is_none());
        assert_eq!(
            JsonPath::parse("a[0].b").unwrap().single(&v),
            Some(Ok(Some("x".into())))
        );
    }
}
