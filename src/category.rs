//! The categories of an event: what kind of failure a line is.
//!
//! This module owns the names of the categories (as records and the command line
//! write them) and the small set a record carries. It is vocabulary: the record and
//! the rule table both use it, and it imports nothing from the crate. Which texts fall
//! into which category is the rule table's (`rules`).

use std::fmt;

use serde::{Serialize, Serializer};

/// What kind of event a line is. A line may carry several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Category {
    /// Device pairing: `pairing required`, pairing approvals, `NOT_PAIRED`.
    Pairing = 0,
    /// A WebSocket close with code 1008 (policy violation).
    Close1008 = 1,
    /// Gateway, device and bootstrap token failures and token lifecycle events.
    Token = 2,
    /// Authentication and device-identity failures (`unauthorized`, signatures, origin).
    Auth = 3,
    /// Role and scope upgrades and denials (`operator.admin`, `missing scope`).
    Scope = 4,
    /// A connection that failed before or during its handshake, server or client side.
    Handshake = 5,
    /// Chat DM pairing (`dmPolicy: "pairing"`), which is not device pairing.
    DmPairing = 6,
    /// Exec approvals: denied execs, approvals registration, the approvals file.
    ExecApprovals = 7,
    /// Invalid configuration reported by OpenClaw.
    Config = 8,
    /// A proxy the gateway does not trust (`proxy_attribution_required`, 2026.8.1+).
    Proxy = 9,
}

impl Category {
    /// Every category, in output order.
    pub const ALL: [Category; 10] = [
        Category::Pairing,
        Category::Close1008,
        Category::Token,
        Category::Auth,
        Category::Scope,
        Category::Handshake,
        Category::DmPairing,
        Category::ExecApprovals,
        Category::Config,
        Category::Proxy,
    ];

    /// The stable name used in records and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Pairing => "pairing",
            Category::Close1008 => "close_1008",
            Category::Token => "token",
            Category::Auth => "auth",
            Category::Scope => "scope",
            Category::Handshake => "handshake",
            Category::DmPairing => "dm_pairing",
            Category::ExecApprovals => "exec_approvals",
            Category::Config => "config",
            Category::Proxy => "proxy",
        }
    }

    /// Looks a category up by its name (as printed by [`Category::as_str`]).
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Category {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A set of categories, small enough to copy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CategorySet(u16);

impl CategorySet {
    /// The empty set.
    pub const EMPTY: CategorySet = CategorySet(0);

    /// Every category.
    pub fn all() -> CategorySet {
        Category::ALL.into_iter().collect()
    }

    /// Adds a category.
    pub fn insert(&mut self, c: Category) {
        self.0 |= 1 << c as u8;
    }

    /// Whether the set holds `c`.
    pub fn contains(self, c: Category) -> bool {
        self.0 & (1 << c as u8) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the two sets share a category.
    pub fn intersects(self, other: CategorySet) -> bool {
        self.0 & other.0 != 0
    }

    /// The union of two sets.
    pub fn union(self, other: CategorySet) -> CategorySet {
        CategorySet(self.0 | other.0)
    }

    /// The categories in output order.
    pub fn iter(self) -> impl Iterator<Item = Category> {
        Category::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl FromIterator<Category> for CategorySet {
    fn from_iter<I: IntoIterator<Item = Category>>(iter: I) -> Self {
        let mut set = CategorySet::EMPTY;
        for c in iter {
            set.insert(c);
        }
        set
    }
}

impl Serialize for CategorySet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}
