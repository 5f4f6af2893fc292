//! Shards of a seed sweep: `tokensim check --seeds A..B --shard K/N` runs the `K`-th of `N`
//! contiguous parts of the range, so that an array job of a cluster engine runs a sweep
//! that `tokensim merge` joins back into exactly the report of the whole range.
//!
//! Shards count from 0, like the indices of Kubernetes Indexed Jobs and the usual Slurm
//! array `--array=0-15`: `0/4` to `3/4` are the four shards of a range. The parts are
//! contiguous (merged reports concatenate ranges) and differ in size by at most one seed;
//! with more shards than seeds some parts are empty, and their reports merge too.
//!
//! Without `--shard`, the shard comes from the environment ([`choose`]):
//! - Slurm: `SLURM_ARRAY_TASK_ID` less `SLURM_ARRAY_TASK_MIN` (0 when unset) of
//!   `SLURM_ARRAY_TASK_COUNT`. The array must be one run of ids one apart (`--array=1-16`),
//!   or the shard would not be the task's place among the others.
//! - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` of `TOKENSIM_SHARD_COUNT` (Kubernetes
//!   has no variable for the count: the manifest sets it to the Job's `completions`).
//! - `TOKENSIM_SHARD_COUNT` with `SLURM_ARRAY_TASK_ID`: the task ids are the shard numbers
//!   themselves, so that some shards of an array can be run again (`--array=3,7`).
//!
//! A value that is not a whole number, a shard that does not exist, an array that is not
//! one run of ids, or sources that name different shards is an error: a sweep that ran the
//! wrong seeds would merge into a report that looks whole and is not.

use super::sweep::SeedRange;
use std::fmt;
use std::str::FromStr;

/// The Slurm array task's id.
pub const SLURM_TASK_ID: &str = "SLURM_ARRAY_TASK_ID";
/// The lowest task id of the Slurm array.
pub const SLURM_TASK_MIN: &str = "SLURM_ARRAY_TASK_MIN";
/// The highest task id of the Slurm array.
pub const SLURM_TASK_MAX: &str = "SLURM_ARRAY_TASK_MAX";
/// How many tasks the Slurm array has.
pub const SLURM_TASK_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
/// The step between the Slurm array's task ids.
pub const SLURM_TASK_STEP: &str = "SLURM_ARRAY_TASK_STEP";
/// The index of a pod of a Kubernetes Indexed Job, from 0.
pub const KUBERNETES_INDEX: &str = "JOB_COMPLETION_INDEX";
/// How many shards there are: ours, as Kubernetes has no such variable.
pub const SHARD_COUNT: &str = "TOKENSIM_SHARD_COUNT";

/// Shard `index` of `count`, counting from 0: written `K/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 0 to `count - 1`.
    pub index: u64,
    /// How many parts.
    pub count: u64,
}

/// Why no shard could be chosen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShardError {
    /// `--shard` is not `K/N` with whole numbers.
    #[error(
        "--shard `{text}`: expected K/N with whole numbers, shard K of N counting from 0 (0/4 to 3/4 are four shards)"
    )]
    Syntax {
        /// What was given.
        text: String,
    },
    /// A value, or the shard it makes, is wrong.
    #[error("{origin}: {problem}")]
    Invalid {
        /// Where it came from: `--shard 4/4`, or the variables and their values.
        origin: String,
        /// What is wrong.
        problem: String,
    },
    /// Two sources name different shards.
    #[error("{first} is shard {first_shard} but {second} is shard {second_shard}: give one, or make them agree")]
    Disagree {
        /// The first source.
        first: String,
        /// The shard it names.
        first_shard: Shard,
        /// The other source.
        second: String,
        /// The shard that one names.
        second_shard: Shard,
    },
}

impl Shard {
    /// Shard `index` of `count`; `origin` names where they came from in the error.
    pub fn new(index: u64, count: u64, origin: &str) -> Result<Shard, ShardError> {
        let invalid = |problem: String| ShardError::Invalid { origin: origin.to_string(), problem };
        if count == 0 {
            return Err(invalid("the shard count must be at least 1, found 0".to_string()));
        }
        if index >= count {
            let problem = format!(
                "shard {index} of {count} does not exist: shards count from 0, so the index must be below {count} \
                 (0 to {})",
                count - 1
            );
            return Err(invalid(problem));
        }
        Ok(Shard { index, count })
    }

    /// This shard's part of `seeds`: the seeds from `index * len / count` to
    /// `(index + 1) * len / count` (rounded down) past the start, so the parts are in order,
    /// cover the range exactly once, and differ in size by at most one seed.
    pub fn seeds(&self, seeds: SeedRange) -> SeedRange {
        // In 128 bits: the products of a range near the top of u64 do not fit in 64.
        let offset = |part: u64| (u128::from(part) * u128::from(seeds.len()) / u128::from(self.count)) as u64;
        SeedRange { start: seeds.start + offset(self.index), end: seeds.start + offset(self.index + 1) }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax { text: text.to_string() };
        let (index, count) = text.split_once('/').ok_or_else(syntax)?;
        let number = |part: &str| part.trim().parse::<u64>().map_err(|_| syntax());
        Shard::new(number(index)?, number(count)?, &format!("--shard {}", text.trim()))
    }
}

/// The shard chosen, and where it came from (`--shard 2/8`, or the environment variables
/// and their values), for the line that says which shard runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardChoice {
    /// The shard.
    pub shard: Shard,
    /// Where it came from.
    pub origin: String,
}

/// The shard to run: `flag` (`--shard`) and what the environment says, through `variable`
/// (a variable's value, `None` when unset). `None` when neither names a shard: the whole
/// range runs. See the module docs for the variables and the errors.
pub fn choose(
    flag: Option<&str>,
    variable: impl Fn(&str) -> Option<String>,
) -> Result<Option<ShardChoice>, ShardError> {
    let flag = match flag {
        Some(text) => Some(ShardChoice { shard: text.parse()?, origin: format!("--shard {}", text.trim()) }),
        None => None,
    };
    let slurm = from_slurm(&variable)?;
    let kubernetes = from_kubernetes(&variable)?;
    let mut chosen: Option<ShardChoice> = None;
    for choice in [flag, slurm, kubernetes].into_iter().flatten() {
        match &chosen {
            Some(first) if first.shard != choice.shard => {
                return Err(ShardError::Disagree {
                    first: first.origin.clone(),
                    first_shard: first.shard,
                    second: choice.origin,
                    second_shard: choice.shard,
                });
            }
            Some(_) => {}
            None => chosen = Some(choice),
        }
    }
    match (&chosen, variable(SHARD_COUNT)) {
        (Some(choice), Some(count)) => {
            // A count that disagrees with `--shard`'s N is a mistake about how many shards
            // there are: some seeds would be run twice, or not at all.
            let origin = format!("{SHARD_COUNT}={count}");
            let count = number(SHARD_COUNT, &count)?;
            if count != choice.shard.count {
                let problem = format!("there are {count} shards, but {} is shard {}", choice.origin, choice.shard);
                return Err(ShardError::Invalid { origin, problem });
            }
        }
        (None, Some(count)) => {
            let problem = format!(
                "the shard count is set but no shard index is: give --shard K/N, or set {KUBERNETES_INDEX} \
                 (or {SLURM_TASK_ID})"
            );
            return Err(ShardError::Invalid { origin: format!("{SHARD_COUNT}={count}"), problem });
        }
        (_, None) => {}
    }
    Ok(chosen)
}

/// The shard a Slurm array task runs, if `SLURM_ARRAY_TASK_ID` is set.
fn from_slurm(variable: &impl Fn(&str) -> Option<String>) -> Result<Option<ShardChoice>, ShardError> {
    let Some(id_text) = variable(SLURM_TASK_ID) else { return Ok(None) };
    let id = number(SLURM_TASK_ID, &id_text)?;
    if let Some(count_text) = variable(SHARD_COUNT) {
        // The task ids are the shard numbers: a rerun of some tasks runs the same shards.
        let origin = format!("{SLURM_TASK_ID}={id_text} with {SHARD_COUNT}={count_text}");
        let shard = Shard::new(id, number(SHARD_COUNT, &count_text)?, &origin).map_err(|error| match error {
            ShardError::Invalid { origin, problem } => ShardError::Invalid {
                origin,
                problem: format!("{problem}; with {SHARD_COUNT} set, the task ids are the shard numbers, from 0"),
            },
            other => other,
        })?;
        return Ok(Some(ShardChoice { shard, origin }));
    }
    let given = |name: &str| variable(name).map(|text| (name.to_string(), text));
    let Some(count_text) = variable(SLURM_TASK_COUNT) else {
        let problem =
            format!("{SLURM_TASK_COUNT} is not set, so the number of shards is unknown; set it, or {SHARD_COUNT}");
        return Err(ShardError::Invalid { origin: format!("{SLURM_TASK_ID}={id_text}"), problem });
    };
    let count = number(SLURM_TASK_COUNT, &count_text)?;
    let min = given(SLURM_TASK_MIN).map(|(name, text)| number(&name, &text)).transpose()?;
    let max = given(SLURM_TASK_MAX).map(|(name, text)| number(&name, &text)).transpose()?;
    let step = given(SLURM_TASK_STEP).map(|(name, text)| number(&name, &text)).transpose()?;
    let mut origin = format!("{SLURM_TASK_ID}={id_text}");
    if let Some(min) = min {
        origin.push_str(&format!(" {SLURM_TASK_MIN}={min}"));
    }
    origin.push_str(&format!(" {SLURM_TASK_COUNT}={count_text}"));
    let invalid = |problem: String| ShardError::Invalid { origin: origin.clone(), problem };
    let min = min.unwrap_or(0);
    let not_one_run = "shards need an array of ids one apart, like --array=0-15; to run some shards again \
                       (--array=3,7), set TOKENSIM_SHARD_COUNT to the number of shards and use the shard numbers as ids";
    if let Some(step) = step.filter(|&step| step != 1) {
        return Err(invalid(format!("{SLURM_TASK_STEP}={step}: {not_one_run}")));
    }
    if let Some(max) = max.filter(|&max| max.checked_sub(min).and_then(|span| span.checked_add(1)) != Some(count)) {
        return Err(invalid(format!("ids {min} to {max} are not {count} ids one apart: {not_one_run}")));
    }
    let Some(index) = id.checked_sub(min) else {
        return Err(invalid(format!("the task id {id} is below the array's lowest id {min}")));
    };
    Ok(Some(ShardChoice { shard: Shard::new(index, count, &origin)?, origin }))
}

/// The shard a pod of a Kubernetes Indexed Job runs, if `JOB_COMPLETION_INDEX` is set.
fn from_kubernetes(variable: &impl Fn(&str) -> Option<String>) -> Result<Option<ShardChoice>, ShardError> {
    let Some(index_text) = variable(KUBERNETES_INDEX) else { return Ok(None) };
    let index = number(KUBERNETES_INDEX, &index_text)?;
    let Some(count_text) = variable(SHARD_COUNT) else {
        let problem =
            format!("{SHARD_COUNT} is not set, so the number of shards is unknown; set it to the Job's completions");
        return Err(ShardError::Invalid { origin: format!("{KUBERNETES_INDEX}={index_text}"), problem });
    };
    let origin = format!("{KUBERNETES_INDEX}={index_text} with {SHARD_COUNT}={count_text}");
    let shard = Shard::new(index, number(SHARD_COUNT, &count_text)?, &origin)?;
    Ok(Some(ShardChoice { shard, origin }))
}

/// A variable's value as a whole number.
fn number(name: &str, text: &str) -> Result<u64, ShardError> {
    text.trim().parse().map_err(|_| ShardError::Invalid {
        origin: format!("{name}={text}"),
        problem: "expected a whole number".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn range(start: u64, end: u64) -> SeedRange {
        SeedRange { start, end }
    }

    /// `choose` over the variables `set`, as `name=value` pairs.
    fn choose_with(flag: Option<&str>, set: &[(&str, &str)]) -> Result<Option<Shard>, String> {
        let set: BTreeMap<String, String> = set.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        choose(flag, |name| set.get(name).cloned())
            .map(|choice| choice.map(|choice| choice.shard))
            .map_err(|error| error.to_string())
    }

    /// A `--shard` flag, the variables set, and what the error must say.
    type Case<'a> = (Option<&'a str>, &'a [(&'a str, &'a str)], &'a str);

    fn shard(index: u64, count: u64) -> Option<Shard> {
        Some(Shard { index, count })
    }

    #[test]
    fn shards_cover_the_range_once_in_order_and_evenly() {
        for (whole, count) in [(range(0, 10), 3), (range(5, 6), 4), (range(7, 1007), 7), (range(0, 3), 3)] {
            let parts: Vec<SeedRange> = (0..count).map(|index| Shard { index, count }.seeds(whole)).collect();
            assert_eq!(parts[0].start, whole.start);
            assert_eq!(parts[parts.len() - 1].end, whole.end);
            assert!(parts.windows(2).all(|pair| pair[0].end == pair[1].start), "{parts:?}");
            let sizes: Vec<u64> = parts.iter().map(SeedRange::len).collect();
            let (least, most) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(most - least <= 1, "{whole} in {count}: {sizes:?}");
        }
        assert_eq!(Shard { index: 1, count: 3 }.seeds(range(0, 10)), range(3, 6));
        let top = range(u64::MAX - 10, u64::MAX);
        assert_eq!(Shard { index: 4, count: 5 }.seeds(top), range(u64::MAX - 2, u64::MAX));
    }

    #[test]
    fn the_flag_reads_k_of_n_from_zero() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { index: 2, count: 8 }));
        for bad in ["2", "2-8", "a/8", "2/", "/8", "-1/8", "2/8/1"] {
            let message = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(message.starts_with(&format!("--shard `{bad}`: expected K/N")), "{bad}: {message}");
        }
        let too_far = "4/4".parse::<Shard>().unwrap_err().to_string();
        assert_eq!(
            too_far,
            "--shard 4/4: shard 4 of 4 does not exist: shards count from 0, so the index must be below 4 (0 to 3)"
        );
        let none = "0/0".parse::<Shard>().unwrap_err().to_string();
        assert_eq!(none, "--shard 0/0: the shard count must be at least 1, found 0");
    }

    #[test]
    fn slurm_tasks_count_from_the_arrays_lowest_id() {
        let array = [(SLURM_TASK_MIN, "1"), (SLURM_TASK_MAX, "4"), (SLURM_TASK_COUNT, "4"), (SLURM_TASK_STEP, "1")];
        for (id, index) in [("1", 0), ("4", 3)] {
            let mut set = array.to_vec();
            set.push((SLURM_TASK_ID, id));
            assert_eq!(choose_with(None, &set), Ok(shard(index, 4)));
        }
        // Without MIN (set by hand, say), ids count from 0.
        assert_eq!(choose_with(None, &[(SLURM_TASK_ID, "2"), (SLURM_TASK_COUNT, "3")]), Ok(shard(2, 3)));
        // With the count of shards given, the ids are the shard numbers: a rerun of some.
        let rerun = [(SLURM_TASK_ID, "7"), (SLURM_TASK_MIN, "3"), (SLURM_TASK_COUNT, "2"), (SHARD_COUNT, "16")];
        assert_eq!(choose_with(None, &rerun), Ok(shard(7, 16)));
        assert_eq!(choose_with(None, &[]), Ok(None));
    }

    #[test]
    fn kubernetes_pods_take_their_index_and_our_count() {
        assert_eq!(choose_with(None, &[(KUBERNETES_INDEX, "2"), (SHARD_COUNT, "3")]), Ok(shard(2, 3)));
        let agreeing = [(KUBERNETES_INDEX, "2"), (SHARD_COUNT, "3")];
        assert_eq!(choose_with(Some("2/3"), &agreeing), Ok(shard(2, 3)));
    }

    #[test]
    fn bad_or_inconsistent_values_say_what_is_wrong() {
        let cases: [Case; 13] = [
            (None, &[(SLURM_TASK_ID, "x"), (SLURM_TASK_COUNT, "4")], "SLURM_ARRAY_TASK_ID=x: expected a whole number"),
            (None, &[(SLURM_TASK_ID, "2")], "SLURM_ARRAY_TASK_COUNT is not set"),
            (None, &[(SLURM_TASK_ID, "4"), (SLURM_TASK_COUNT, "4")], "shard 4 of 4 does not exist"),
            (None, &[(SLURM_TASK_ID, "0"), (SLURM_TASK_COUNT, "0")], "the shard count must be at least 1, found 0"),
            (
                None,
                &[(SLURM_TASK_ID, "0"), (SLURM_TASK_MIN, "1"), (SLURM_TASK_COUNT, "4")],
                "below the array's lowest id 1",
            ),
            (
                None,
                &[(SLURM_TASK_ID, "3"), (SLURM_TASK_MIN, "3"), (SLURM_TASK_MAX, "7"), (SLURM_TASK_COUNT, "2")],
                "ids 3 to 7 are not 2 ids one apart",
            ),
            (None, &[(SLURM_TASK_ID, "4"), (SLURM_TASK_COUNT, "2"), (SLURM_TASK_STEP, "4")], "SLURM_ARRAY_TASK_STEP=4"),
            (None, &[(KUBERNETES_INDEX, "1")], "JOB_COMPLETION_INDEX=1: TOKENSIM_SHARD_COUNT is not set"),
            (None, &[(KUBERNETES_INDEX, "3"), (SHARD_COUNT, "3")], "shard 3 of 3 does not exist"),
            (None, &[(SHARD_COUNT, "4")], "TOKENSIM_SHARD_COUNT=4: the shard count is set but no shard index is"),
            (
                Some("1/4"),
                &[(KUBERNETES_INDEX, "2"), (SHARD_COUNT, "4")],
                "--shard 1/4 is shard 1/4 but JOB_COMPLETION_INDEX=2 with TOKENSIM_SHARD_COUNT=4 is shard 2/4",
            ),
            (Some("1/4"), &[(SHARD_COUNT, "5")], "TOKENSIM_SHARD_COUNT=5: there are 5 shards, but --shard 1/4"),
            (
                None,
                &[(SLURM_TASK_ID, "0"), (SLURM_TASK_COUNT, "2"), (KUBERNETES_INDEX, "1"), (SHARD_COUNT, "2")],
                "SLURM_ARRAY_TASK_ID=0 with TOKENSIM_SHARD_COUNT=2 is shard 0/2 but JOB_COMPLETION_INDEX=1",
            ),
        ];
        for (flag, set, expected) in cases {
            let message = choose_with(flag, set).unwrap_err();
            assert!(message.contains(expected), "{flag:?} {set:?}: {message}");
            assert!(!message.contains('\n'), "one line: {message}");
        }
    }
}
