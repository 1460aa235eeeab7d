//! How a bulletin ranks its units (各单位排名). A unit is rated on its cumulative rectification
//! rate since the campaign began: hazards rectified over hazards found. The rule, in order:
//!
//! 1. A unit with no hazard found has nothing to rate: it is not ranked, it is listed after
//!    every ranked unit (in the order given) and shown as 无数据 — a unit without data never
//!    heads the list.
//! 2. Ranked units by rate, highest first (compared exactly, not as rounded percentages).
//! 3. Equal rates: more hazards rectified first (more work done at the same rate).
//! 4. Still equal: fewer overdue hazards first.
//! 5. Equal on all three: the same rank, and the next rank skips (1, 1, 3).

use std::cmp::Ordering;

/// The figures a unit is rated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnitScore {
    /// Hazards found since the campaign began (the rate's denominator).
    pub found: i64,
    /// Of them, rectified.
    pub rectified: i64,
    /// Hazards past their deadline at the period's end.
    pub overdue: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placing {
    /// 1-based rank.
    Ranked(usize),
    /// Nothing to rate (no hazard found): listed last, not ranked.
    NoData,
}

fn compare(a: &UnitScore, b: &UnitScore) -> Ordering {
    // a.rectified / a.found against b.rectified / b.found, without rounding.
    let left = i128::from(b.rectified) * i128::from(a.found);
    let right = i128::from(a.rectified) * i128::from(b.found);
    left.cmp(&right)
        .then(b.rectified.cmp(&a.rectified))
        .then(a.overdue.cmp(&b.overdue))
}

/// The units in the order the bulletin lists them: (index into `scores`, placing).
pub fn rank_units(scores: &[UnitScore]) -> Vec<(usize, Placing)> {
    let mut rated: Vec<usize> = (0..scores.len()).filter(|&i| scores[i].found > 0).collect();
    rated.sort_by(|&a, &b| compare(&scores[a], &scores[b]));
    let mut out: Vec<(usize, Placing)> = Vec::with_capacity(scores.len());
    for (position, &i) in rated.iter().enumerate() {
        let rank = match out.last() {
            Some(&(prev, Placing::Ranked(r)))
                if compare(&scores[prev], &scores[i]) == Ordering::Equal =>
            {
                r
            }
            _ => position + 1,
        };
        out.push((i, Placing::Ranked(rank)));
    }
    out.extend(
        (0..scores.len())
            .filter(|&i| scores[i].found <= 0)
            .map(|i| (i, Placing::NoData)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(found: i64, rectified: i64, overdue: i64) -> UnitScore {
        UnitScore {
            found,
            rectified,
            overdue,
        }
    }

    #[test]
    fn the_ranking_rule_as_a_table() {
        // (scores, expected order of indices, expected placings in that order)
        let cases: Vec<(Vec<UnitScore>, Vec<usize>, Vec<Placing>)> = vec![
            // A unit with nothing found is never first, however the others fare.
            (
                vec![s(0, 0, 0), s(4, 0, 2)],
                vec![1, 0],
                vec![Placing::Ranked(1), Placing::NoData],
            ),
            // Rate first: 3/4 = 75 % beats 2/3 = 66.7 % beats 1/2.
            (
                vec![s(2, 1, 0), s(3, 2, 0), s(4, 3, 0)],
                vec![2, 1, 0],
                vec![Placing::Ranked(1), Placing::Ranked(2), Placing::Ranked(3)],
            ),
            // Equal rates: more rectified first; then fewer overdue; then shared rank.
            (
                vec![s(2, 1, 0), s(4, 2, 1), s(4, 2, 0), s(4, 2, 0)],
                vec![2, 3, 1, 0],
                vec![
                    Placing::Ranked(1),
                    Placing::Ranked(1),
                    Placing::Ranked(3),
                    Placing::Ranked(4),
                ],
            ),
            // Several without data keep their given order after the ranked ones.
            (
                vec![s(0, 0, 0), s(5, 5, 0), s(0, 0, 3), s(1, 0, 1)],
                vec![1, 3, 0, 2],
                vec![
                    Placing::Ranked(1),
                    Placing::Ranked(2),
                    Placing::NoData,
                    Placing::NoData,
                ],
            ),
            // Nobody has data: nobody is ranked.
            (
                vec![s(0, 0, 0), s(0, 0, 0)],
                vec![0, 1],
                vec![Placing::NoData, Placing::NoData],
            ),
            (Vec::new(), Vec::new(), Vec::new()),
        ];
        for (scores, order, placings) in cases {
            let ranked = rank_units(&scores);
            assert_eq!(
                ranked.iter().map(|r| r.0).collect::<Vec<_>>(),
                order,
                "{scores:?}"
            );
            assert_eq!(
                ranked.iter().map(|r| r.1).collect::<Vec<_>>(),
                placings,
                "{scores:?}"
            );
        }
    }

    #[test]
    fn rates_compare_exactly_not_rounded() {
        // 2/3 and 667/1000 both print as 66.7 %; the larger rate ranks first.
        let ranked = rank_units(&[s(3, 2, 0), s(1000, 667, 0)]);
        assert_eq!(ranked[0], (1, Placing::Ranked(1)));
        assert_eq!(ranked[1], (0, Placing::Ranked(2)));
    }
}
