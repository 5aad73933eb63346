//! Correlation: which records belong to the same failure.
//!
//! This module owns the bounded state that groups records into incidents: one per
//! connection, keyed by the full `conn=` id and matched with the ws-log's short ids
//! (`64e9a9b0…d56b`: 8 characters, `…`, the last 4) through one key for both; a
//! ws-log line without `conn=` belongs to the previous ws-log line's connection (the
//! ws-log leaves it out when unchanged). Client-side lines carry no `conn=`: a
//! recent-window joins a client error to the latest failed local connection within
//! [`JOIN_WINDOW`] records (or the other way round, since stderr and stdout are not
//! ordered), and the lines that follow a `gateway closed (…)` (`Gateway target:`,
//! `Source: …`) join its block. DM replies and config errors group by adjacency.
//!
//! Memory is flat on endless streams: at most [`MAX_LIVE`] incidents are kept, and an
//! incident untouched for [`MAX_AGE`] records is finalized; finalized incidents go to
//! the caller (the report), which keeps only per-cause totals.
//!
//! It does not read facts out of lines (that is `incident`) nor decide causes.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use crate::record::Record;

use super::Loc;
use super::incident::{Facts, LineKind};
use crate::line_facts::{message_has, text_has};

/// Most incidents kept at once.
pub const MAX_LIVE: usize = 1024;
/// Records after which an untouched incident is finalized.
pub const MAX_AGE: u64 = 4096;
/// How many records apart a client-side error and its connection may be.
pub const JOIN_WINDOW: u64 = 64;
/// How many lines apart the lines of one block (client error, DM reply, config
/// error) may be.
const BLOCK_GAP: u64 = 4;
/// Most merged-away ids remembered (for records still waiting to be annotated).
const MAX_ALIASES: usize = 4096;

/// An incident's id.
pub type Id = u64;

/// A map keyed by incident ids. Ids are the table's own counter, never log text, so
/// they need no protection from chosen collisions: one multiplication hashes them,
/// where the default SipHash was a tenth of filing a record (several lookups each).
pub type IdMap<V> = HashMap<Id, V, IdHash>;

/// Builds [`IdHasher`]s (see [`IdMap`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHash;

impl BuildHasher for IdHash {
    type Hasher = IdHasher;

    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

/// Fibonacci hashing: consecutive ids spread over both the low bits (the bucket) and
/// the high bits (the hash table's tag).
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl IdHasher {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(Self::K);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(8) ^ n).wrapping_mul(Self::K);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// How an incident's records were grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// By connection id.
    Conn,
    /// A client-side error block not (yet) joined to a connection.
    Client,
    /// A DM pairing request or reply.
    Dm,
    /// A config error block.
    Config,
    /// One line.
    Single,
}

/// The records of one failure (or one standalone line) and what they show.
#[derive(Clone, Debug)]
pub struct Incident {
    /// Its id.
    pub id: Id,
    /// How it was grouped.
    pub group: Group,
    /// What its records show.
    pub facts: Facts,
    /// Its first record.
    pub first: Loc,
    /// Its last record.
    pub last: Loc,
    /// The sequence number of its first record (orders incidents across inputs).
    pub first_seq: u64,
    /// The sequence number of its latest event record.
    pub last_seq: u64,
    /// The sequence number of its latest record of any kind (for the windows and
    /// eviction).
    pub touched: u64,
    /// How many event records it has.
    pub records: u64,
    /// Bumped whenever a record is added (so annotations can be cached).
    pub rev: u64,
    /// The most telling line so far, with its rank.
    pub example: Option<(u8, Loc, String)>,
    /// Which kinds of client-side error lines it holds ([`client_kind`]): one
    /// failure logs each kind at most once, so a second one is another failure.
    pub client_kinds: u8,
}

impl Incident {
    fn new(id: Id, group: Group, rec: &Record, seq: u64) -> Incident {
        Incident {
            id,
            group,
            facts: Facts::default(),
            first: Loc::of(rec),
            last: Loc::of(rec),
            first_seq: seq,
            last_seq: seq,
            touched: seq,
            records: 0,
            rev: 0,
            example: None,
            client_kinds: 0,
        }
    }

    /// Adds a record: facts, position, example.
    pub fn add(&mut self, rec: &Record, kind: LineKind, seq: u64, locality_seen: bool) {
        self.facts.apply(rec, kind, locality_seen);
        self.touched = seq;
        self.rev += 1;
        // First and last are event lines: a context line (`← open`) is not an
        // occurrence the user would look for.
        if !rec.categories.is_empty() {
            if self.records == 0 {
                self.first = Loc::of(rec);
                self.first_seq = seq;
            }
            self.last = Loc::of(rec);
            self.last_seq = seq;
            self.records += 1;
        }
        let rank = match kind {
            LineKind::ServerClose | LineKind::Unauthorized => 5,
            LineKind::ClientError | LineKind::Dm | LineKind::Config | LineKind::Exec => 4,
            LineKind::Audit => 3,
            _ if rec.categories.is_empty() => 0,
            _ => 1,
        };
        if rank > 0 && self.example.as_ref().is_none_or(|(r, _, _)| rank > *r) {
            self.example = Some((rank, Loc::of(rec), rec.text.clone()));
        }
    }

    fn absorb(&mut self, other: Incident) {
        self.facts.merge(&other.facts);
        if other.records > 0 {
            if self.records == 0 || other.first_seq < self.first_seq {
                self.first_seq = other.first_seq;
                self.first = other.first;
            }
            if self.records == 0 || other.last_seq > self.last_seq {
                self.last_seq = other.last_seq;
                self.last = other.last;
            }
        }
        self.touched = self.touched.max(other.touched);
        self.rev += other.rev + 1;
        self.records += other.records;
        if let Some((r, l, t)) = other.example
            && self.example.as_ref().is_none_or(|(mine, _, _)| r > *mine)
        {
            self.example = Some((r, l, t));
        }
        self.client_kinds |= other.client_kinds;
    }
}

/// The key both a full connection id and its ws-log short form map to.
pub fn conn_key(conn: &str) -> String {
    let c = conn.trim();
    // Counted and cut in place (every record with a `conn=` asks): no `Vec<char>`,
    // and no walk over characters for an ASCII id (all of them but a short form).
    let ascii = c.is_ascii();
    if !ascii && c.contains('…') {
        return c.to_string();
    }
    let n = if ascii { c.len() } else { c.chars().count() };
    let uuid = n == 36 && c.bytes().filter(|&b| b == b'-').count() == 4;
    let (head, tail) = if uuid {
        (8, 4)
    } else if n > 24 {
        (12, 4)
    } else {
        return c.to_string();
    };
    let byte_at = |chars: usize| {
        if ascii {
            chars
        } else {
            c.char_indices().nth(chars).map_or(c.len(), |(i, _)| i)
        }
    };
    let (head_end, tail_start) = (byte_at(head), byte_at(n - tail));
    let mut k = String::with_capacity(head_end + '…'.len_utf8() + (c.len() - tail_start));
    k.push_str(&c[..head_end]);
    k.push('…');
    k.push_str(&c[tail_start..]);
    k
}

/// The bounded correlation state.
#[derive(Debug, Default)]
pub struct Table {
    /// Boxed: an incident is about a kilobyte, and a map holds up to twice as many
    /// slots as entries; inline, the slots of [`MAX_LIVE`] incidents took 2.4 MB
    /// whether filled or not, the largest part of a stream's memory (issue 21).
    incidents: IdMap<Box<Incident>>,
    /// Live ids in creation order: eviction takes from the front.
    order: VecDeque<Id>,
    by_conn: HashMap<String, Id>,
    /// The conn key each live connection incident is filed under.
    conn_of: IdMap<String>,
    /// Recent incidents a client error may join (or be joined by), newest last.
    recent: VecDeque<Id>,
    open_block: Option<(Id, Arc<str>, u64)>,
    last_dm: Option<(Id, Arc<str>, u64)>,
    last_config: Option<(Id, Arc<str>, u64)>,
    last_ws_conn: Option<String>,
    recent_subagent: Option<u64>,
    /// The last pasted command (`$ openclaw tui`): which client, and where it
    /// connects, for the failures that follow it.
    recent_command: Option<(u64, Option<super::incident::ClientKind>, Option<bool>)>,
    /// The incident each full pairing request id was last seen in, and back.
    by_request: HashMap<String, Id>,
    request_of: IdMap<String>,
    aliases: IdMap<Id>,
    alias_order: VecDeque<Id>,
    next_id: Id,
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table::default()
    }

    /// Incidents kept now.
    pub fn live(&self) -> usize {
        self.incidents.len()
    }

    /// Connection keys kept now.
    pub fn live_connections(&self) -> usize {
        self.by_conn.len()
    }

    /// A live incident, following merges.
    pub fn get(&self, id: Id) -> Option<&Incident> {
        self.incidents.get(&self.resolve(id)).map(|i| &**i)
    }

    /// The id an id was merged into (or itself).
    pub fn resolve(&self, mut id: Id) -> Id {
        // Chains are short (a client block joins once); the bound guards cycles.
        for _ in 0..8 {
            match self.aliases.get(&id) {
                Some(&to) if to != id => id = to,
                _ => break,
            }
        }
        id
    }

    /// Every live incident.
    pub fn iter(&self) -> impl Iterator<Item = &Incident> {
        self.incidents.values().map(|i| &**i)
    }

    fn create(&mut self, group: Group, rec: &Record, seq: u64) -> Id {
        self.next_id += 1;
        let id = self.next_id;
        let mut inc = Incident::new(id, group, rec, seq);
        if self
            .recent_subagent
            .is_some_and(|s| seq.saturating_sub(s) <= JOIN_WINDOW)
        {
            inc.facts.subagent_ctx = true;
        }
        if let Some((at, kind, local)) = self.recent_command
            && seq.saturating_sub(at) <= JOIN_WINDOW
        {
            inc.facts.client_kind = inc.facts.client_kind.or(kind);
            inc.facts.local = inc.facts.local.or(local);
        }
        self.incidents.insert(id, Box::new(inc));
        self.order.push_back(id);
        id
    }

    fn remember_recent(&mut self, id: Id) {
        if self.recent.back() != Some(&id) {
            self.recent.retain(|&r| r != id);
            self.recent.push_back(id);
        }
        while self.recent.len() > 32 {
            self.recent.pop_front();
        }
    }

    /// Files a record under its incident, creating one when needed, and adds it.
    /// Returns the incident's id, or `None` for a context line that belongs to none.
    pub fn file(
        &mut self,
        rec: &Record,
        kind: LineKind,
        seq: u64,
        locality_seen: bool,
    ) -> Option<Id> {
        let is_ws = kind == LineKind::Ws || rec.message.trim_start().starts_with("→ close");
        let conn = match rec.conn.as_deref() {
            Some(c) => {
                let k = conn_key(c);
                if is_ws {
                    self.last_ws_conn = Some(k.clone());
                }
                Some(k)
            }
            None if is_ws => self.last_ws_conn.clone(),
            None => None,
        };
        if kind == LineKind::Context && has_subagent_sign(rec) {
            self.recent_subagent = Some(seq);
            if let Some(id) = self.latest_recent(seq)
                && let Some(inc) = self.incidents.get_mut(&id)
            {
                inc.facts.subagent_ctx = true;
            }
        }
        let id = if let Some(key) = conn {
            // One lookup of the key (it hashes a string) for both questions.
            let known = self.by_conn.get(&key).copied();
            let live = known.and_then(|id| self.incidents.get(&id));
            let was_failure = live.is_some_and(|i| i.facts.is_failure());
            let id = match known {
                Some(id) if live.is_some() => id,
                _ => {
                    let id = self.create(Group::Conn, rec, seq);
                    self.by_conn.insert(key.clone(), id);
                    self.conn_of.insert(id, key);
                    id
                }
            };
            self.add(id, rec, kind, seq, locality_seen);
            let now_failure = self
                .incidents
                .get(&id)
                .is_some_and(|i| i.facts.is_failure());
            if now_failure {
                self.remember_recent(id);
                if !was_failure {
                    self.join_waiting_client(id, seq);
                }
            }
            id
        } else {
            match kind {
                LineKind::ClientError => {
                    let k = client_kind(rec);
                    let id = match self.client_target(rec, seq, k) {
                        Some(id) => id,
                        None => {
                            let id = self.create(Group::Client, rec, seq);
                            self.remember_recent(id);
                            id
                        }
                    };
                    if let Some(i) = self.incidents.get_mut(&id) {
                        i.client_kinds |= k;
                    }
                    self.add(id, rec, kind, seq, locality_seen);
                    self.open_block = Some((id, Arc::clone(&rec.source), rec.line));
                    id
                }
                LineKind::BlockLine => {
                    let open = self.open_block.clone();
                    match open {
                        Some((id, src, line))
                            if src == rec.source
                                && rec.line > line
                                && rec.line - line <= BLOCK_GAP
                                && self.incidents.contains_key(&self.resolve(id)) =>
                        {
                            let id = self.resolve(id);
                            self.add(id, rec, kind, seq, locality_seen);
                            self.open_block = Some((id, src, rec.line));
                            id
                        }
                        _ if rec.categories.is_empty() => return None,
                        _ => {
                            let id = self.create(Group::Single, rec, seq);
                            self.add(id, rec, kind, seq, locality_seen);
                            id
                        }
                    }
                }
                LineKind::Dm => {
                    let starts_request = rec.message.contains(" pairing request");
                    let id = match self.last_dm.clone() {
                        Some((id, src, line))
                            if !starts_request
                                && src == rec.source
                                && rec.line > line
                                && rec.line - line <= BLOCK_GAP
                                && self.incidents.contains_key(&id) =>
                        {
                            id
                        }
                        _ => self.create(Group::Dm, rec, seq),
                    };
                    self.add(id, rec, kind, seq, locality_seen);
                    self.last_dm = Some((id, Arc::clone(&rec.source), rec.line));
                    id
                }
                LineKind::Config => {
                    // One `Invalid config at …` block, but each guide snippet in it is
                    // its own occurrence (of its own cause).
                    let mut probe = Facts::default();
                    probe.apply(rec, kind, false);
                    let id = match self.last_config.clone() {
                        Some((id, src, line))
                            if src == rec.source
                                && rec.line > line
                                && rec.line - line <= BLOCK_GAP
                                && self.incidents.get(&id).is_some_and(|i| {
                                    probe.config_cause.is_none()
                                        || i.facts.config_cause.is_none()
                                        || i.facts.config_cause == probe.config_cause
                                }) =>
                        {
                            id
                        }
                        _ => self.create(Group::Config, rec, seq),
                    };
                    self.add(id, rec, kind, seq, locality_seen);
                    self.last_config = Some((id, Arc::clone(&rec.source), rec.line));
                    id
                }
                LineKind::Command => {
                    let mut probe = Facts::default();
                    probe.apply(rec, kind, false);
                    self.recent_command = Some((seq, probe.client_kind, probe.local));
                    return None;
                }
                LineKind::Context => return None,
                _ => {
                    let id = self.create(Group::Single, rec, seq);
                    self.add(id, rec, kind, seq, locality_seen);
                    id
                }
            }
        };
        Some(self.join_by_request(id, seq))
    }

    /// Lines of one pairing request pasted apart (an audit's fields, then the tool
    /// result that quotes the same `requestId`) are one failure: a client block or a
    /// single line joins the incident that already holds its full request id. Two
    /// connections never merge this way (a client retrying is two occurrences).
    /// Returns the id the record now belongs to.
    fn join_by_request(&mut self, id: Id, seq: u64) -> Id {
        let Some(inc) = self.incidents.get(&id) else {
            return id;
        };
        let Some(req) = inc.facts.request_id.clone() else {
            return id;
        };
        let group = inc.group;
        let other = self.by_request.get(&req).copied().filter(|&o| o != id);
        let target = other.and_then(|o| self.incidents.get(&o).map(|i| (o, i)));
        let (keep, gone) = match target {
            Some((o, i))
                if seq.saturating_sub(i.touched) <= JOIN_WINDOW
                    && (group != Group::Conn || i.group != Group::Conn)
                    && matches!(group, Group::Conn | Group::Client | Group::Single)
                    && matches!(i.group, Group::Conn | Group::Client | Group::Single) =>
            {
                // The connection's incident is the one that stays (its key maps to it).
                if group == Group::Conn {
                    (id, o)
                } else {
                    (o, id)
                }
            }
            _ => {
                if self.request_of.get(&id) != Some(&req) {
                    self.by_request.insert(req.clone(), id);
                    self.request_of.insert(id, req);
                }
                return id;
            }
        };
        self.merge(gone, keep);
        if self
            .incidents
            .get(&keep)
            .is_some_and(|k| k.facts.is_failure())
        {
            self.remember_recent(keep);
        }
        self.by_request.insert(req.clone(), keep);
        self.request_of.insert(keep, req);
        keep
    }

    fn add(&mut self, id: Id, rec: &Record, kind: LineKind, seq: u64, locality_seen: bool) {
        if let Some(inc) = self.incidents.get_mut(&id) {
            inc.add(rec, kind, seq, locality_seen);
        }
    }

    fn latest_recent(&self, seq: u64) -> Option<Id> {
        self.recent.iter().rev().copied().find(|id| {
            self.incidents
                .get(id)
                .is_some_and(|i| seq.saturating_sub(i.touched) <= JOIN_WINDOW)
        })
    }

    /// The failure a client-side error line belongs to: the latest failed
    /// connection within the window that is not remote (a remote client's errors never
    /// reach the gateway's log) and has no line of this kind yet; else the latest
    /// client-only block of the same failure (`gateway connect failed`, then the tool
    /// result's `gateway closed (1008)`).
    fn client_target(&self, rec: &Record, seq: u64, kind: u8) -> Option<Id> {
        let mut probe = Facts::default();
        probe.apply(rec, LineKind::ClientError, false);
        if !probe.is_failure() {
            return None;
        }
        let fits = |i: &Incident, group: Group| {
            i.group == group
                && i.client_kinds & kind == 0
                && seq.saturating_sub(i.touched) <= JOIN_WINDOW
                && i.facts.local != Some(false)
                && compatible(&probe, &i.facts)
        };
        let latest = |group: Group| {
            self.recent
                .iter()
                .rev()
                .copied()
                .find(|id| self.incidents.get(id).is_some_and(|i| fits(i, group)))
        };
        latest(Group::Conn).or_else(|| latest(Group::Client))
    }

    /// A connection has just failed: a client error that came first (stderr and
    /// stdout are not ordered) joins it.
    fn join_waiting_client(&mut self, conn_id: Id, seq: u64) {
        let Some(conn) = self.incidents.get(&conn_id) else {
            return;
        };
        if conn.facts.local == Some(false) {
            return;
        }
        let conn_facts = conn.facts.clone();
        let conn_kinds = conn.client_kinds;
        let waiting = self.recent.iter().rev().copied().find(|id| {
            self.incidents.get(id).is_some_and(|i| {
                i.group == Group::Client
                    && i.client_kinds & conn_kinds == 0
                    && seq.saturating_sub(i.touched) <= JOIN_WINDOW
                    && compatible(&i.facts, &conn_facts)
            })
        });
        if let Some(client_id) = waiting {
            self.merge(client_id, conn_id);
        }
    }

    /// Moves incident `gone` into `keep`: its facts and lines, and every pointer to it
    /// (the open client block, later lookups of its id).
    fn merge(&mut self, gone: Id, keep: Id) {
        let Some(g) = self.incidents.remove(&gone) else {
            return;
        };
        self.order.retain(|&i| i != gone);
        self.recent.retain(|&i| i != gone);
        self.request_of.remove(&gone);
        if let Some((open, src, line)) = self.open_block.take() {
            let open = if open == gone { keep } else { open };
            self.open_block = Some((open, src, line));
        }
        self.alias(gone, keep);
        if let Some(k) = self.incidents.get_mut(&keep) {
            k.absorb(*g);
        }
    }

    fn alias(&mut self, from: Id, to: Id) {
        self.aliases.insert(from, to);
        self.alias_order.push_back(from);
        while self.alias_order.len() > MAX_ALIASES {
            if let Some(old) = self.alias_order.pop_front() {
                self.aliases.remove(&old);
            }
        }
    }

    /// Finalizes what is too old or too many: returns the incidents to aggregate.
    pub fn evict(&mut self, seq: u64) -> Vec<Incident> {
        let mut out = Vec::new();
        while let Some(&front) = self.order.front() {
            let too_many = self.incidents.len() > MAX_LIVE;
            let too_old = self
                .incidents
                .get(&front)
                .is_none_or(|i| seq.saturating_sub(i.touched) > MAX_AGE);
            if !(too_many || too_old) {
                break;
            }
            self.order.pop_front();
            if let Some(inc) = self.incidents.remove(&front) {
                out.push(*inc);
            }
            if let Some(key) = self.conn_of.remove(&front)
                && self.by_conn.get(&key) == Some(&front)
            {
                self.by_conn.remove(&key);
            }
            if let Some(req) = self.request_of.remove(&front)
                && self.by_request.get(&req) == Some(&front)
            {
                self.by_request.remove(&req);
            }
            self.recent.retain(|&i| i != front);
        }
        out
    }

    /// Finalizes everything (end of input).
    pub fn drain(&mut self) -> Vec<Incident> {
        let mut out: Vec<Incident> = self.incidents.drain().map(|(_, i)| *i).collect();
        out.sort_by_key(|i| i.first_seq);
        self.order.clear();
        self.by_conn.clear();
        self.conn_of.clear();
        self.by_request.clear();
        self.request_of.clear();
        self.recent.clear();
        self.open_block = None;
        self.last_dm = None;
        self.last_config = None;
        out
    }
}

/// Whether a client error and a connection's facts are about the same kind of
/// failure (a pairing refusal is not the client's token error).
fn compatible(client: &Facts, conn: &Facts) -> bool {
    let conn_pairing = conn.pairing || conn.audit || conn.connect_failed;
    if client.auth {
        return conn.auth || conn.connect_failed;
    }
    if client.pairing || client.exec_registration {
        return conn_pairing;
    }
    client.is_failure() && conn.is_failure()
}

/// The kind of a client-side error line, as a bit: the client library's
/// `gateway connect failed`, the call's `gateway closed (…)` (node host, tool result,
/// exec approvals), anything else (UI, TUI, ClawX).
pub fn client_kind(rec: &Record) -> u8 {
    let f = rec.facts();
    if message_has!(f, "gateway connect failed") {
        1
    } else if message_has!(f, "gateway closed (") {
        2
    } else {
        4
    }
}

fn has_subagent_sign(rec: &Record) -> bool {
    let f = rec.facts();
    text_has!(f, "sessions_spawn") || text_has!(f, "subagent") || text_has!(f, "sub-agent")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_full_ids_share_a_key() {
        assert_eq!(
            conn_key("64e9a9b0-b46a-4288-bdc2-5167dd59d56b"),
            "64e9a9b0…d56b"
        );
        assert_eq!(conn_key("64e9a9b0…d56b"), "64e9a9b0…d56b");
        assert_eq!(conn_key("c1"), "c1");
        assert_eq!(
            conn_key("abcdefghijklmnopqrstuvwxyz0123"),
            "abcdefghijkl…0123"
        );
        // Not a UUID but 36 long with other dashes: the generic rule.
        assert_eq!(conn_key("é".repeat(30).as_str()).chars().count(), 17);
    }
}
