//! Scored edges between two records, in canonical form and a total order.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::record::RecordId;

/// A scored link between two records: the scorer's belief that they are the
/// same person. Canonical form has `a < b`, so a pair has one spelling and the
/// clustering never depends on which way round the scorer wrote it.
///
/// Deserialized edges are not checked for canonical form;
/// [`cluster`](super::cluster) canonicalizes every edge it reads anyway.
///
/// ```
/// use omnicanal::{Edge, RecordId};
/// let e = Edge::new(RecordId(7), RecordId(2), 11.5);
/// assert_eq!((e.a, e.b), (RecordId(2), RecordId(7)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// The smaller record id.
    pub a: RecordId,
    /// The larger record id.
    pub b: RecordId,
    /// The match weight (a Fellegi–Sunter log-likelihood ratio, or any score
    /// where larger means "more likely the same person").
    pub weight: f64,
}

impl Edge {
    /// An edge in canonical form (`a <= b`), whichever order the ids come in.
    pub fn new(x: RecordId, y: RecordId, weight: f64) -> Self {
        if x <= y {
            Edge { a: x, b: y, weight }
        } else {
            Edge { a: y, b: x, weight }
        }
    }

    /// The same edge in canonical form.
    pub fn canonical(self) -> Self {
        Edge::new(self.a, self.b, self.weight)
    }

    /// The order in which edges are united: strongest first (by
    /// [`f64::total_cmp`], so even NaN and the two zeros have a place), then
    /// by `(a, b)` ascending. It is total on `(weight bits, a, b)`, so sorting
    /// with it — stable or not — gives one sequence whatever the input order.
    ///
    /// ```
    /// use omnicanal::{Edge, RecordId};
    /// let mut edges = vec![
    ///     Edge::new(RecordId(0), RecordId(1), 2.0),
    ///     Edge::new(RecordId(3), RecordId(4), 9.0),
    ///     Edge::new(RecordId(1), RecordId(2), 9.0),
    /// ];
    /// edges.sort_by(Edge::cmp_strength);
    /// let pairs: Vec<_> = edges.iter().map(|e| (e.a.0, e.b.0)).collect();
    /// assert_eq!(pairs, [(1, 2), (3, 4), (0, 1)]);
    /// ```
    pub fn cmp_strength(&self, other: &Edge) -> Ordering {
        other
            .weight
            .total_cmp(&self.weight)
            .then(self.a.cmp(&other.a))
            .then(self.b.cmp(&other.b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_puts_the_smaller_id_first() {
        let e = Edge::new(RecordId(9), RecordId(3), 1.0);
        assert_eq!((e.a, e.b), (RecordId(3), RecordId(9)));
        assert_eq!(e, Edge::new(RecordId(3), RecordId(9), 1.0));
        let raw = Edge {
            a: RecordId(5),
            b: RecordId(1),
            weight: 2.0,
        };
        assert_eq!(raw.canonical(), Edge::new(RecordId(1), RecordId(5), 2.0));
    }

    #[test]
    fn strength_order_is_weight_descending_then_pair_ascending() {
        let strong = Edge::new(RecordId(5), RecordId(6), 10.0);
        let weak = Edge::new(RecordId(0), RecordId(1), 1.0);
        let tie_low = Edge::new(RecordId(2), RecordId(3), 10.0);
        let tie_high = Edge::new(RecordId(2), RecordId(4), 10.0);
        assert_eq!(strong.cmp_strength(&weak), Ordering::Less);
        assert_eq!(tie_low.cmp_strength(&strong), Ordering::Less);
        assert_eq!(tie_low.cmp_strength(&tie_high), Ordering::Less);
        assert_eq!(tie_high.cmp_strength(&tie_high), Ordering::Equal);
    }

    #[test]
    fn serde_round_trip() {
        let e = Edge::new(RecordId(1), RecordId(2), -3.25);
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"a":1,"b":2,"weight":-3.25}"#);
        let back: Edge = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }
}
