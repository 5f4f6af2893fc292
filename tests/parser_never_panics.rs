//! Whatever bytes reach the scenario parser, it answers with a scenario or an error, and
//! never panics: arbitrary bytes, and mutations of the valid files in `sim-scenarios/`.

use proptest::prelude::*;
use tokensim::scenario::Scenario;

const VALID: &[&str] = &[
    include_str!("../sim-scenarios/default.toml"),
    include_str!("../sim-scenarios/seed-manual-session.toml"),
    include_str!("../sim-scenarios/scheduled-faults.toml"),
    include_str!("../sim-scenarios/budget-broken-n4.toml"),
];

/// Parse, and for an accepted scenario also build its simulation (without running it).
fn read(text: &str) {
    if let Ok(scenario) = Scenario::from_toml(text, "fuzz.toml") {
        let _ = tokensim::sim::Simulation::new(&scenario, 1);
    }
}

/// One edit of a text: replace the bytes `start..start + len` (positions taken modulo the
/// length) with `insert`.
fn mutate(text: &str, start: usize, len: usize, insert: &str) -> String {
    let bytes = text.as_bytes();
    let start = start % (bytes.len() + 1);
    let end = (start + len).min(bytes.len());
    let mut out = bytes[..start].to_vec();
    out.extend_from_slice(insert.as_bytes());
    out.extend_from_slice(&bytes[end..]);
    String::from_utf8_lossy(&out).into_owned()
}

fn insertion() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[-0-9]{1,12}",
        Just("-1".to_string()),
        Just("99999999999999999999".to_string()),
        Just("\"".to_string()),
        Just("[[requests]]\nat_ms = 1\nclient = 1\n".to_string()),
        Just("[[schedule]]\nat_ms = 1\npartition = []\n".to_string()),
        Just("servers = 1\n".to_string()),
        Just("owners = [1, 0]\n".to_string()),
        Just("seeds = \"0..=18446744073709551615\"\n".to_string()),
        "[ -~\n]{0,16}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        read(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_valid_files_never_panic(
        file in 0..VALID.len(),
        edits in proptest::collection::vec((any::<usize>(), 0usize..24, insertion()), 1..4),
    ) {
        let mut text = VALID[file].to_string();
        for (start, len, insert) in edits {
            text = mutate(&text, start, len, &insert);
        }
        read(&text);
    }
}
