//! Each checker catches what it is for, on hand-made bad histories, and passes good ones.

use tokensim::check::synthetic::{synthetic_history, SyntheticOptions};
use tokensim::check::{check_linearizability, HistoryError, OpHistory, Operation, Property, ReplicaChecker};
use tokensim::protocol::{
    Config, Epoch, Instant, Message, NodeId, Outcome, Outputs, PhaseTag, Refusal, Request, RequestId, Server, TokenId,
    TokenValue, Version,
};

const N1: NodeId = NodeId(1);
const N2: NodeId = NodeId(2);
const N3: NodeId = NodeId(3);
const T0: TokenId = TokenId(0);

fn id(client: NodeId, sequence: u64) -> RequestId {
    RequestId { client, sequence }
}

fn op(id: RequestId, request: Request, span: (u64, u64), outcome: Outcome) -> Operation {
    Operation::answered(id, request, Instant(span.0), Instant(span.1), outcome)
}

fn pay_ok(id: RequestId, to: NodeId, span: (u64, u64), version: u64) -> Operation {
    op(id, Request::Pay { token: T0, to }, span, Outcome::Paid { token: T0, version: Version(version) })
}

fn read(id: RequestId, owner: NodeId, span: (u64, u64), tokens: &[(u32, u64)]) -> Operation {
    let tokens = tokens.iter().map(|&(t, v)| (TokenId(t), Version(v))).collect();
    op(id, Request::GetTokens { owner }, span, Outcome::Tokens { owner, tokens })
}

/// Token 0 owned by n1, token 1 by n2, token 2 by n3.
fn history(operations: Vec<Operation>) -> OpHistory {
    OpHistory { initial_owners: vec![N1, N2, N3], operations }
}

fn properties(operations: Vec<Operation>) -> Vec<Property> {
    let found = check_linearizability(&history(operations)).expect("well formed");
    found.iter().map(|v| v.property).collect()
}

#[test]
fn concurrent_reads_may_see_either_side_of_a_pay() {
    let ops = vec![
        pay_ok(id(N1, 1), N2, (10, 30), 2),
        read(id(N3, 1), N1, (15, 25), &[(0, 1)]),
        read(id(N2, 1), N2, (20, 40), &[(0, 2), (1, 1)]),
        read(id(N3, 2), N2, (41, 50), &[(0, 2), (1, 1)]),
    ];
    assert_eq!(properties(ops), []);
}

#[test]
fn stale_read_after_a_completed_write_is_caught() {
    let ops = vec![pay_ok(id(N1, 1), N2, (10, 20), 2), read(id(N3, 1), N1, (30, 40), &[(0, 1)])];
    let found = check_linearizability(&history(ops)).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].property, Property::Linearizable);
    assert_eq!(found[0].operations, [id(N1, 1), id(N3, 1)]);
    assert_eq!(found[0].at, Some(Instant(30)));
}

#[test]
fn stale_refusal_after_a_completed_write_is_caught() {
    let refusal = Refusal::NotOwner { token: T0, owner: N1, version: Version(1) };
    let ops = vec![
        pay_ok(id(N1, 1), N2, (10, 20), 2),
        op(id(N3, 1), Request::Pay { token: T0, to: N2 }, (30, 40), Outcome::Refused(refusal)),
    ];
    assert_eq!(properties(ops), [Property::Linearizable]);
}

#[test]
fn two_owners_at_one_version_are_caught() {
    let ops = vec![pay_ok(id(N1, 1), N2, (10, 20), 2), read(id(N3, 1), N3, (30, 40), &[(0, 2), (2, 1)])];
    assert_eq!(properties(ops), [Property::OneOwnerPerVersion]);
}

#[test]
fn two_ok_pays_from_one_version_are_a_double_spend() {
    let ops = vec![pay_ok(id(N1, 1), N2, (10, 20), 2), pay_ok(id(N1, 2), N3, (30, 40), 2)];
    let found = properties(ops);
    assert!(found.contains(&Property::NoDoubleSpend), "{found:?}");
}

#[test]
fn a_pay_by_someone_who_did_not_own_the_token_is_caught() {
    let ops = vec![pay_ok(id(N1, 1), N2, (10, 20), 2), pay_ok(id(N3, 1), N1, (30, 40), 3)];
    assert_eq!(properties(ops), [Property::NoDoubleSpend]);
}

#[test]
fn a_refused_pay_that_changed_the_token_is_caught() {
    // n1 owns t0, pays it to n2, and is told it is not the owner: n2 holds it at v2. Only
    // that pay could have written v2, so the refusal changed something.
    let refusal = Refusal::NotOwner { token: T0, owner: N2, version: Version(2) };
    let ops = vec![op(id(N1, 1), Request::Pay { token: T0, to: N2 }, (10, 20), Outcome::Refused(refusal))];
    let found = check_linearizability(&history(ops)).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].property, Property::RefusalChangedNothing);
    assert_eq!(found[0].operations, [id(N1, 1)]);
}

#[test]
fn an_unanswered_pay_may_have_written_an_observed_version() {
    let mut pending = pay_ok(id(N1, 1), N2, (10, 20), 2);
    pending.responded_at = None;
    pending.outcome = None;
    let ops = vec![pending, read(id(N3, 1), N2, (30, 40), &[(0, 2), (1, 1)])];
    assert_eq!(properties(ops), []);
}

#[test]
fn versions_nobody_answered_for_need_a_path_of_lost_pays() {
    // t0 goes from n1 at v1 to n3 at v3: two lost pays must lead from n1 to n3.
    let lost = |id, to, at| Operation::pending(id, Request::Pay { token: T0, to }, Instant(at));
    let seen = read(id(N3, 1), N3, (30, 40), &[(0, 3), (2, 1)]);
    let one_short = vec![lost(id(N1, 1), N2, 5), seen.clone()];
    let found = check_linearizability(&history(one_short)).unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].property, Property::VersionsContiguous);
    assert!(found[0].detail.contains("no 2 unanswered pays of it lead from n1 to n3"), "{}", found[0]);
    let path = vec![lost(id(N1, 1), N2, 5), lost(id(N2, 1), N3, 6), seen.clone()];
    assert_eq!(check_linearizability(&history(path)).unwrap(), []);
    // The second pay started after the read that saw its version had ended.
    let late = vec![lost(id(N1, 1), N2, 5), lost(id(N2, 1), N3, 45), seen];
    let found = check_linearizability(&history(late)).unwrap();
    assert_eq!(found.iter().map(|v| v.property).collect::<Vec<_>>(), [Property::Linearizable], "{found:#?}");
    assert_eq!(found[0].operations, [id(N2, 1), id(N3, 1)], "{}", found[0]);
}

#[test]
fn a_version_nobody_could_have_written_is_caught() {
    let ops = vec![read(id(N3, 1), N2, (30, 40), &[(0, 2), (1, 1)])];
    assert_eq!(properties(ops), [Property::VersionsContiguous]);
}

#[test]
fn a_listing_that_leaves_out_a_surely_held_token_is_caught() {
    let ops = vec![read(id(N3, 1), N1, (30, 40), &[])];
    assert_eq!(properties(ops), [Property::Linearizable]);
}

/// Found by mutation testing: a client that refused every `gettokens` as naming an unknown
/// node passed every checker. The history shows which nodes exist (first owners, callers,
/// payees of pays that took effect); a refusal naming one of them as unknown is wrong.
#[test]
fn a_refusal_that_calls_a_node_unknown_which_exists_is_caught() {
    let refused =
        |id: RequestId, request: Request, refusal: Refusal| op(id, request, (10, 20), Outcome::Refused(refusal));
    let n9 = NodeId(9);
    let listing_refused = refused(id(N3, 1), Request::GetTokens { owner: N1 }, Refusal::UnknownClient { node: N1 });
    assert_eq!(properties(vec![listing_refused]), [Property::Linearizable], "n1 owns a token");
    let pay_refused = refused(id(N1, 1), Request::Pay { token: T0, to: N2 }, Refusal::UnknownClient { node: N2 });
    assert_eq!(properties(vec![pay_refused]), [Property::Linearizable], "n2 owns a token");
    let not_owner = Refusal::NotOwner { token: T0, owner: N1, version: Version(1) };
    let listing_not_owner = refused(id(N3, 1), Request::GetTokens { owner: N1 }, not_owner);
    assert_eq!(properties(vec![listing_not_owner]), [Property::Linearizable], "a listing is never NotOwner");
    // Nodes the history does not show may not exist: those refusals pass, as does a
    // listing asked of a node that is a server now.
    let unknown = refused(id(N3, 1), Request::GetTokens { owner: n9 }, Refusal::UnknownClient { node: n9 });
    let to_unknown = refused(id(N1, 1), Request::Pay { token: T0, to: n9 }, Refusal::UnknownClient { node: n9 });
    let server_now = refused(id(N2, 1), Request::GetTokens { owner: N1 }, Refusal::NotAClient { node: N2 });
    assert_eq!(properties(vec![unknown, to_unknown, server_now]), []);
}

#[test]
fn a_read_of_a_value_before_its_write_started_is_caught() {
    let ops = vec![read(id(N3, 1), N2, (1, 5), &[(0, 2), (1, 1)]), pay_ok(id(N1, 1), N2, (10, 20), 2)];
    assert_eq!(properties(ops), [Property::Linearizable]);
}

/// Validation groups a history's operations by client without sorting them all: it must find
/// the same problems whatever order the history lists them in, clients interleaved and a
/// client's requests out of sequence order included.
#[test]
fn malformed_histories_are_found_in_any_listing_order() {
    let well_formed = vec![
        pay_ok(id(N1, 1), N2, (10, 20), 2),
        read(id(N2, 1), N2, (12, 18), &[(1, 1)]),
        read(id(N1, 2), N1, (30, 40), &[]),
        read(id(N2, 2), N2, (25, 35), &[(0, 2), (1, 1)]),
        read(id(N1, 3), N1, (50, 60), &[]),
    ];
    // Every rotation, and each reversed: n1's requests come out of sequence order.
    let mut orders: Vec<Vec<Operation>> = Vec::new();
    for shift in 0..well_formed.len() {
        let mut order = well_formed.clone();
        order.rotate_left(shift);
        orders.push(order.clone());
        order.reverse();
        orders.push(order);
    }
    for order in &orders {
        assert_eq!(check_linearizability(&history(order.clone())), Ok(Vec::new()), "{order:?}");
        // n1#2 moved to start before n1#1 ends: an overlap, wherever it is listed.
        let overlapping: Vec<Operation> = order
            .iter()
            .map(|op| if op.id == id(N1, 2) { read(id(N1, 2), N1, (15, 40), &[]) } else { op.clone() })
            .collect();
        let error = check_linearizability(&history(overlapping)).unwrap_err();
        assert!(matches!(error, HistoryError::OverlappingRequests { .. }), "{error}");
        // n2#1 listed twice: the duplicate named is the later of the two in the history.
        let mut duplicated = order.clone();
        duplicated.push(read(id(N2, 1), N2, (70, 80), &[(0, 2), (1, 1)]));
        let last = duplicated.len() - 1;
        let error = check_linearizability(&history(duplicated)).unwrap_err();
        assert!(
            matches!(error, HistoryError::DuplicateId { index, id: dup } if index == last && dup == id(N2, 1)),
            "{error}"
        );
    }
}

#[test]
fn malformed_histories_are_errors_not_violations() {
    let ops = vec![pay_ok(id(N1, 1), N2, (10, 20), 2), pay_ok(id(N1, 1), N2, (30, 40), 3)];
    assert!(matches!(check_linearizability(&history(ops)), Err(HistoryError::DuplicateId { index: 1, .. })));
    let backwards = vec![pay_ok(id(N1, 1), N2, (20, 10), 2)];
    let error = check_linearizability(&history(backwards)).unwrap_err();
    assert!(error.to_string().contains("before it was invoked"), "{error}");
}

#[test]
fn a_client_works_on_one_request_at_a_time_unless_it_lost_one() {
    // n1#2 starts at 20, the instant n1#1 ends: without ranks that is an overlap.
    let overlapping = vec![pay_ok(id(N1, 1), N2, (10, 20), 2), read(id(N1, 2), N1, (20, 30), &[])];
    let error = check_linearizability(&history(overlapping.clone())).unwrap_err();
    assert!(matches!(error, HistoryError::OverlappingRequests { .. }), "{error}");
    assert!(error.to_string().contains("client n1 started n1#2"), "{error}");
    // Ranks say n1#1 ended first.
    let ranked = vec![overlapping[0].clone().with_ranks(1, 2), overlapping[1].clone().with_ranks(3, 4)];
    assert_eq!(check_linearizability(&history(ranked)).unwrap(), []);
    // A lost request may be overlapped by the ones after it, not started after them.
    let lost = Operation::pending(id(N1, 1), Request::Pay { token: T0, to: N2 }, Instant(10));
    let after_loss = vec![lost.clone(), read(id(N1, 2), N1, (15, 30), &[(0, 1)])];
    assert_eq!(check_linearizability(&history(after_loss)).unwrap(), []);
    let before_loss = vec![lost, read(id(N1, 2), N1, (5, 8), &[(0, 1)])];
    let error = check_linearizability(&history(before_loss)).unwrap_err();
    assert!(matches!(error, HistoryError::OutOfOrderRequests { .. }), "{error}");
}

#[test]
fn large_synthetic_histories_pass_and_break_when_tampered_with() {
    let options = SyntheticOptions { operations: 20_000, clients: 4, tokens_per_client: 3, seed: 9 };
    let mut history = synthetic_history(options);
    assert_eq!(check_linearizability(&history).unwrap(), []);
    // Move the response of a late ok pay to before the invocation of an earlier read of
    // the older version: that makes the read stale.
    let (index, pay) = history
        .operations
        .iter()
        .enumerate()
        .rev()
        .find(|(_, op)| matches!(op.outcome, Some(Outcome::Paid { .. })))
        .map(|(i, op)| (i, op.clone()))
        .unwrap();
    let Request::Pay { token, .. } = pay.request else { unreachable!() };
    let Some(Outcome::Paid { version, .. }) = pay.outcome else { unreachable!() };
    // It becomes its client's first request (sequence 0), so the client still works on one
    // request at a time.
    let writer = &mut history.operations[index];
    writer.id.sequence = 0;
    writer.invoked_at = Instant(0);
    writer.responded_at = Some(Instant(1));
    let found = check_linearizability(&history).unwrap();
    assert!(!found.is_empty(), "moving the write of {token}@{version} to the start went unnoticed");
    assert!(found.iter().all(|v| v.property == Property::Linearizable), "{found:?}");
}

fn write(server: &mut Server, token: TokenId, value: TokenValue) {
    let tag = PhaseTag { request: id(N1, 1), phase: 0 };
    let message = Message::Write { epoch: Epoch(0), tag, values: vec![(token, value)].into() };
    server.handle_message(Instant(5), N1, &message, &mut Outputs::new());
}

#[test]
fn replica_checker_catches_two_values_at_one_version() {
    let config = Config::new(Epoch(0), vec![NodeId(7), NodeId(8)]);
    let initial = vec![TokenValue::initial(N1)];
    let mut a = Server::new(NodeId(7), config.clone(), initial.clone());
    let mut b = Server::new(NodeId(8), config, initial.clone());
    let mut checker = ReplicaChecker::new(&[N1], Some(42));
    write(&mut a, T0, TokenValue { version: Version(2), owner: N2, writer: Some(id(N1, 1)) });
    checker.check(Instant(5), &a, T0);
    assert_eq!(checker.violations(), []);
    write(&mut b, T0, TokenValue { version: Version(2), owner: N3, writer: Some(id(N1, 2)) });
    checker.check(Instant(6), &b, T0);
    let found = checker.violations();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].property, Property::ReplicaOneValuePerVersion);
    assert_eq!((found[0].seed, found[0].at), (Some(42), Some(Instant(6))));
    // A server that forgets its state goes back a version.
    let fresh = Server::new(NodeId(7), Config::new(Epoch(0), vec![NodeId(7)]), initial);
    checker.check(Instant(7), &fresh, T0);
    assert_eq!(checker.violations()[1].property, Property::ReplicaVersionMonotonic);
}

fn value(version: u64, owner: NodeId, writer: Option<RequestId>) -> TokenValue {
    TokenValue { version: Version(version), owner, writer }
}

#[test]
fn the_write_log_check_catches_refused_writers_and_double_writes() {
    use tokensim::check::effects::check_written;
    let refusal = Refusal::NotOwner { token: T0, owner: N2, version: Version(2) };
    let ops = vec![
        pay_ok(id(N1, 1), N2, (10, 20), 2),
        op(id(N2, 1), Request::Pay { token: T0, to: N3 }, (30, 40), Outcome::Refused(refusal)),
    ];
    let good = vec![vec![value(1, N1, None), value(2, N2, Some(id(N1, 1)))]];
    assert_eq!(check_written(&good, &history(ops.clone())), []);
    // The refused pay's value reached the servers anyway.
    let mut refused_wrote = good.clone();
    refused_wrote[0].push(value(3, N3, Some(id(N2, 1))));
    let found = check_written(&refused_wrote, &history(ops.clone()));
    assert_eq!(found.iter().map(|v| v.property).collect::<Vec<_>>(), [Property::RefusalChangedNothing]);
    assert_eq!(found[0].operations, [id(N2, 1)]);
    // A retry of the ok pay wrote a second version.
    let mut twice = good;
    twice[0].push(value(3, N3, Some(id(N1, 1))));
    let found = check_written(&twice, &history(ops));
    let properties: Vec<Property> = found.iter().map(|v| v.property).collect();
    assert!(properties.iter().all(|&p| p == Property::ExactlyOnce) && !properties.is_empty(), "{found:?}");
}
