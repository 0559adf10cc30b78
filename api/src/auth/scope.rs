//! What a credential may do. A bearer token carries its scopes in the OAuth2 `scope` claim; an API
//! key gets them from its entry in `PRICELINE_API_KEYS` (`name:sha256hex:scope+scope`; an entry
//! without a list has `prices:read` only, as before scopes existed).

use std::fmt;

/// One scope this server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every read of price data: what each /v1 read operation needs.
    PricesRead,
    /// Sending import jobs and reading them (`/v1/imports`).
    ImportsWrite,
    /// Everything.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::PricesRead, Scope::ImportsWrite, Scope::Admin];

    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::PricesRead => "prices:read",
            Scope::ImportsWrite => "imports:write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    const fn bit(self) -> u8 {
        match self {
            Scope::PricesRead => 1,
            Scope::ImportsWrite => 2,
            Scope::Admin => 4,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Scopes(u8);

impl Scopes {
    /// What an API key entry without a scope list grants.
    pub const DEFAULT_KEY: Scopes = Scopes(Scope::PricesRead.bit());

    pub fn with(self, scope: Scope) -> Self {
        Self(self.0 | scope.bit())
    }

    /// Both sets' scopes.
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether `scope` is granted: held itself, or through `admin`.
    pub fn grants(self, scope: Scope) -> bool {
        self.0 & (scope.bit() | Scope::Admin.bit()) != 0
    }

    /// The names of the scopes held, in [`Scope::ALL`] order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Scope::ALL
            .into_iter()
            .filter(move |scope| self.0 & scope.bit() != 0)
            .map(Scope::as_str)
    }

    /// Whether every scope held is held by `other` too (or `other` is admin).
    pub fn within(self, other: Scopes) -> bool {
        Scope::ALL
            .into_iter()
            .filter(|scope| self.0 & scope.bit() != 0)
            .all(|scope| other.grants(scope))
    }

    /// The scopes held by both (admin on one side grants the other's).
    pub fn intersect(self, other: Scopes) -> Scopes {
        Scope::ALL
            .into_iter()
            .filter(|scope| {
                (self.0 & scope.bit() != 0 && other.grants(*scope))
                    || (other.0 & scope.bit() != 0 && self.grants(*scope))
            })
            .fold(Scopes::default(), Scopes::with)
    }

    /// The scopes held (not those `admin` implies), in [`Scope::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL
            .into_iter()
            .filter(move |scope| self.0 & scope.bit() != 0)
    }

    /// The scopes of an OAuth2 `scope` claim (space-separated); scopes this server does not know
    /// are someone else's and are ignored. A SMART on FHIR read scope over every resource
    /// ([`super::smart`]) counts as `prices:read`.
    pub fn from_claim(claim: &str) -> Self {
        claim
            .split_ascii_whitespace()
            .filter_map(|name| {
                Scope::parse(name)
                    .or_else(|| super::smart::grants_read(name).then_some(Scope::PricesRead))
            })
            .fold(Self::default(), Self::with)
    }

    /// The scope list of an API key entry: known scopes joined by `+`; an unknown one is an error.
    pub fn parse_list(list: &str) -> Result<Self, String> {
        list.split('+')
            .map(str::trim)
            .try_fold(Self::default(), |scopes, name| {
                Scope::parse(name)
                    .map(|scope| scopes.with(scope))
                    .ok_or_else(|| {
                        let known: Vec<&str> =
                            Scope::ALL.iter().map(|scope| scope.as_str()).collect();
                        format!(
                            "the scope {name:?} is not one of {} (join several with '+')",
                            known.join(", ")
                        )
                    })
            })
    }
}

/// The import-job collection: every path at or below it needs `imports:write`.
pub const IMPORTS_PATH: &str = "/v1/imports";

/// `/v1/imports` or a path below it.
pub fn is_imports(path: &str) -> bool {
    path.strip_prefix(IMPORTS_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Administration (`/v1/admin/...`: keys, the audit trail): every path at or below it needs `admin`.
pub const ADMIN_PATH: &str = "/v1/admin";

/// `/v1/admin` or a path below it.
pub fn is_admin(path: &str) -> bool {
    path.strip_prefix(ADMIN_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The scope an operation needs: administration needs `admin`, import jobs `imports:write`,
/// everything else under /v1 `prices:read`.
pub fn required(path: &str) -> Scope {
    if is_admin(path) {
        Scope::Admin
    } else if is_imports(path) {
        Scope::ImportsWrite
    } else {
        Scope::PricesRead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_grants_everything_and_unknown_claims_are_ignored() {
        assert!(Scopes::from_claim("system/*.read").grants(Scope::PricesRead));
        assert!(Scopes::from_claim("system/*.rs").grants(Scope::PricesRead));
        assert!(!Scopes::from_claim("system/*.write").grants(Scope::PricesRead));
        let claim = Scopes::from_claim("openid prices:read other:thing");
        assert!(claim.grants(Scope::PricesRead));
        assert!(!claim.grants(Scope::ImportsWrite));
        let admin = Scopes::from_claim("admin");
        assert!(admin.grants(Scope::PricesRead) && admin.grants(Scope::ImportsWrite));
        let listed = Scopes::parse_list("prices:read+imports:write").unwrap();
        assert!(listed.grants(Scope::ImportsWrite) && listed.grants(Scope::PricesRead));
        let imports_only = Scopes::parse_list("imports:write").unwrap();
        assert!(!imports_only.grants(Scope::PricesRead));
        assert!(
            Scopes::parse_list("imports:read")
                .unwrap_err()
                .contains("imports:read")
        );
        let smart = Scopes::from_claim("launch system/*.read");
        assert!(smart.grants(Scope::PricesRead) && !smart.grants(Scope::ImportsWrite));
        assert!(!Scopes::from_claim("system/*.write patient/*.read").grants(Scope::PricesRead));
        assert_eq!(required("/v1/imports"), Scope::ImportsWrite);
        assert_eq!(required("/v1/imports/ab12"), Scope::ImportsWrite);
        assert_eq!(required("/v1/importsx"), Scope::PricesRead);
        assert_eq!(required("/v1/facilities"), Scope::PricesRead);
        assert_eq!(required("/v1/admin/keys"), Scope::Admin);
        assert_eq!(required("/v1/admin"), Scope::Admin);
        assert_eq!(required("/v1/administrators"), Scope::PricesRead);
        let both = Scopes::parse_list("prices:read+imports:write").unwrap();
        assert_eq!(
            both.names().collect::<Vec<_>>(),
            ["prices:read", "imports:write"]
        );
        let read = Scopes::parse_list("prices:read").unwrap();
        assert!(read.within(both) && !both.within(read));
        assert_eq!(read.intersect(admin), read);
        assert_eq!(both.intersect(read), read);
        assert_eq!(required("/v1/admin/audit-events"), Scope::Admin);
        assert_eq!(required("/v1/administrator"), Scope::PricesRead);
        let names: Vec<Scope> = Scopes::parse_list("admin+prices:read")
            .unwrap()
            .iter()
            .collect();
        assert_eq!(names, [Scope::PricesRead, Scope::Admin]);
    }
}
