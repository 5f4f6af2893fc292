//! The seed's concurrent random test: every client issues random `gettokens` and `pay`
//! requests (and, at a configurable rate, role changes) at random gaps, until a set number
//! of requests has been issued.

use super::rng::SimRng;
use crate::protocol::{NodeId, Outcome, Request, TokenId};
use crate::vocab::RandomWorkloadOptions;

/// Draws the random requests. It knows only what the clients were told: the initial owners
/// and the answers they got since, never the servers' state.
#[derive(Clone, Debug)]
pub(crate) struct RandomWorkload {
    options: RandomWorkloadOptions,
    rng: SimRng,
    issued: u64,
    /// Per token, the owner the workload last heard of.
    believed_owner: Vec<NodeId>,
    /// Per node id, the tokens the workload believes it owns, ascending (`believed_owner`
    /// the other way round), so that drawing a client's token costs nothing per token.
    believed_held: Vec<Vec<TokenId>>,
    clients: Vec<NodeId>,
}

impl RandomWorkload {
    pub(crate) fn new(
        options: RandomWorkloadOptions,
        rng: SimRng,
        owners: Vec<NodeId>,
        clients: Vec<NodeId>,
    ) -> RandomWorkload {
        let mut believed_held: Vec<Vec<TokenId>> = Vec::new();
        for (token, owner) in owners.iter().enumerate() {
            let index = owner.0 as usize;
            if believed_held.len() <= index {
                believed_held.resize_with(index + 1, Vec::new);
            }
            believed_held[index].push(TokenId(token as u32));
        }
        RandomWorkload { options, rng, issued: 0, believed_owner: owners, believed_held, clients }
    }

    /// Whether role changes are part of this workload at all.
    pub(crate) fn changes_roles(&self) -> bool {
        !self.options.role_change_ratio.is_never()
    }

    /// A role change for the next request, drawn at the configured rate: promote one of
    /// `promotable` or demote one of `demotable`. Counts it as issued.
    pub(crate) fn next_role_change(&mut self, promotable: &[NodeId], demotable: &[NodeId]) -> Option<Request> {
        if !self.changes_roles() || !self.rng.chance(self.options.role_change_ratio) {
            return None;
        }
        let promote = match (promotable.is_empty(), demotable.is_empty()) {
            (true, true) => return None,
            (false, true) => true,
            (true, false) => false,
            (false, false) => self.rng.below(2) == 0,
        };
        self.issued += 1;
        Some(match promote {
            true => Request::BecomeServer { node: self.rng.pick(promotable) },
            false => Request::BecomeClient { node: self.rng.pick(demotable) },
        })
    }

    /// Issue nothing more: the workload ends here.
    pub(crate) fn stop(&mut self) {
        self.options.requests = self.issued;
    }

    /// Whether every request has been issued.
    pub(crate) fn finished(&self) -> bool {
        self.issued >= self.options.requests
    }

    /// The wait before a client's next request.
    pub(crate) fn next_gap_us(&mut self) -> u64 {
        self.rng.between(0, self.options.gap_us_max)
    }

    /// The next request for `client`; counts it as issued.
    pub(crate) fn next_request(&mut self, client: NodeId) -> Request {
        self.issued += 1;
        if !self.rng.chance(self.options.pay_ratio) {
            return Request::GetTokens { owner: self.rng.pick(&self.clients) };
        }
        let token = self.pick_token(client);
        // The clients other than `client`, in order, without walking them all.
        let own = self.clients.iter().filter(|&&c| c == client).count();
        let others = (self.clients.len() - own) as u64;
        let to = match (others, own) {
            (0, _) => client, // a lone client can only try to pay itself, and is refused
            (_, 1) => {
                let nth = self.rng.below(others) as usize;
                let skip = self.clients.iter().position(|&c| c == client).expect("counted once");
                self.clients[if nth < skip { nth } else { nth + 1 }]
            }
            _ => *self.clients.iter().filter(|&&c| c != client).nth(self.rng.below(others) as usize).expect("in range"),
        };
        Request::Pay { token, to }
    }

    fn pick_token(&mut self, client: NodeId) -> TokenId {
        let held = self.believed_held.get(client.0 as usize).map_or(&[][..], Vec::as_slice);
        let owned = held.len() as u64;
        if owned == 0 || self.rng.chance(self.options.stray_pay_ratio) {
            return TokenId(self.rng.below(self.believed_owner.len() as u64) as u32);
        }
        // The nth token the client is believed to own, ascending by id.
        held[self.rng.below(owned) as usize]
    }

    /// Learn from an answer what the clients now know about owners.
    pub(crate) fn observe(&mut self, request: &Request, outcome: &Outcome) {
        use crate::protocol::Refusal;
        let held = &mut self.believed_held;
        let mut learn = |token: TokenId, owner: NodeId| {
            let Some(slot) = self.believed_owner.get_mut(token.0 as usize) else { return };
            if *slot == owner {
                return;
            }
            if let Some(list) = held.get_mut(slot.0 as usize) {
                if let Ok(at) = list.binary_search(&token) {
                    list.remove(at);
                }
            }
            *slot = owner;
            let index = owner.0 as usize;
            if held.len() <= index {
                held.resize_with(index + 1, Vec::new);
            }
            if let Err(at) = held[index].binary_search(&token) {
                held[index].insert(at, token);
            }
        };
        match (request, outcome) {
            (Request::Pay { to, .. }, Outcome::Paid { token, .. }) => learn(*token, *to),
            (_, Outcome::Tokens { owner, tokens }) => tokens.iter().for_each(|(token, _)| learn(*token, *owner)),
            (_, Outcome::Refused(Refusal::NotOwner { token, owner, .. })) => learn(*token, *owner),
            _ => {}
        }
    }
}
