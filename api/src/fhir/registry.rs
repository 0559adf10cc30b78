//! The one table of what the FHIR interface serves: resource types, their interactions, search
//! parameters, includes and sorts. [`super::configure`] mounts routes from it, the search parser
//! accepts exactly its parameters, and [`super::capability`] writes the CapabilityStatement from it.

/// What a resource type is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Organization,
    Location,
    InsurancePlan,
    ChargeItemDefinition,
}

/// A RESTful interaction (`CapabilityStatement.rest.resource.interaction.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interaction {
    Read,
    Vread,
    SearchType,
}

impl Interaction {
    pub fn code(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Vread => "vread",
            Self::SearchType => "search-type",
        }
    }

    /// The route of the interaction on `type_name`, below /fhir (actix pattern).
    pub fn path(self, type_name: &str) -> String {
        match self {
            Self::Read => format!("/{type_name}/{{id}}"),
            Self::Vread => format!("/{type_name}/{{id}}/_history/{{vid}}"),
            Self::SearchType => format!("/{type_name}"),
        }
    }
}

/// `CapabilityStatement.rest.resource.searchParam.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Token,
    String,
    Reference,
}

impl ParamType {
    pub fn code(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::String => "string",
            Self::Reference => "reference",
        }
    }
}

/// One search parameter of a resource type.
#[derive(Debug, Clone, Copy)]
pub struct SearchParam {
    pub name: &'static str,
    pub kind: ParamType,
    /// The modifiers accepted (`name:contains`).
    pub modifiers: &'static [&'static str],
    pub documentation: &'static str,
}

/// One resource type with everything served for it.
#[derive(Debug)]
pub struct ResourceType {
    pub kind: Kind,
    pub name: &'static str,
    pub interactions: &'static [Interaction],
    pub params: &'static [SearchParam],
    /// `_include` values, `Type:param`.
    pub includes: &'static [&'static str],
    /// `_sort` keys (each may be prefixed with `-`).
    pub sorts: &'static [&'static str],
    pub documentation: &'static str,
}

impl ResourceType {
    pub fn param(&self, name: &str) -> Option<&'static SearchParam> {
        self.params.iter().find(|param| param.name == name)
    }
}

const ALL: &[Interaction] = &[
    Interaction::Read,
    Interaction::Vread,
    Interaction::SearchType,
];

const STRING_MODIFIERS: &[&str] = &["contains", "exact"];

const ID: SearchParam = SearchParam {
    name: "_id",
    kind: ParamType::Token,
    modifiers: &[],
    documentation: "The resource id; several separated by commas match any.",
};
const NAME: SearchParam = SearchParam {
    name: "name",
    kind: ParamType::String,
    modifiers: STRING_MODIFIERS,
    documentation: "The start of the name, ignoring case (`:contains` anywhere, `:exact` whole).",
};
const IDENTIFIER: SearchParam = SearchParam {
    name: "identifier",
    kind: ParamType::Token,
    modifiers: &[],
    documentation: "`system|value`, `value` or `|value`; several separated by commas match any.",
};
const ADDRESS_STATE: SearchParam = SearchParam {
    name: "address-state",
    kind: ParamType::String,
    modifiers: &[],
    documentation: "The two-letter state of an address (a hospital's license state counts).",
};
const ADDRESS_POSTALCODE: SearchParam = SearchParam {
    name: "address-postalcode",
    kind: ParamType::String,
    modifiers: &[],
    documentation: "The start of an address's ZIP code.",
};

/// Every resource type served, in the CapabilityStatement's order.
pub const RESOURCES: &[ResourceType] = &[
    ResourceType {
        kind: Kind::Organization,
        name: "Organization",
        interactions: ALL,
        params: &[
            ID,
            IDENTIFIER,
            NAME,
            ADDRESS_STATE,
            ADDRESS_POSTALCODE,
            SearchParam {
                name: "type",
                kind: ParamType::Token,
                modifiers: &[],
                documentation: "`prov` (hospitals) or `pay` (payers), with or without the \
                                organization-type system.",
            },
        ],
        includes: &[],
        sorts: &["_id", "name"],
        documentation: "Hospitals (`hospital-{facility id}`: NPI, CCN, EIN and state license \
                        identifiers where known) and payers (`payer-{id}`).",
    },
    ResourceType {
        kind: Kind::Location,
        name: "Location",
        interactions: ALL,
        params: &[
            ID,
            IDENTIFIER,
            NAME,
            ADDRESS_STATE,
            ADDRESS_POSTALCODE,
            SearchParam {
                name: "organization",
                kind: ParamType::Reference,
                modifiers: &[],
                documentation: "The managing hospital: `Organization/hospital-1` or `hospital-1`.",
            },
        ],
        includes: &["Location:organization"],
        sorts: &["_id", "name"],
        documentation: "Each location a hospital's current file lists, with its address.",
    },
    ResourceType {
        kind: Kind::InsurancePlan,
        name: "InsurancePlan",
        interactions: ALL,
        params: &[
            ID,
            NAME,
            SearchParam {
                name: "owned-by",
                kind: ParamType::Reference,
                modifiers: &[],
                documentation: "The payer: `Organization/payer-1` or `payer-1`.",
            },
        ],
        includes: &["InsurancePlan:owned-by"],
        sorts: &["_id", "name"],
        documentation: "A payer's plan as the current files name it, owned by the payer.",
    },
    ResourceType {
        kind: Kind::ChargeItemDefinition,
        name: "ChargeItemDefinition",
        interactions: ALL,
        params: &[
            SearchParam {
                name: "code",
                kind: ParamType::Token,
                modifiers: &[],
                documentation: "A billing code: `system|code`, `code` or `|code` (any type).",
            },
            SearchParam {
                name: "organization",
                kind: ParamType::Reference,
                modifiers: &[],
                documentation: "The hospital: `Organization/hospital-1` or `hospital-1`.",
            },
        ],
        includes: &["ChargeItemDefinition:organization"],
        sorts: &["_id"],
        documentation: "One item of a hospital's current file in one setting: its codes, its \
                        standard charges and one property group per payer and plan.",
    },
];

/// The resource type of a name, as the registry spells it.
pub fn find(name: &str) -> Option<&'static ResourceType> {
    RESOURCES.iter().find(|resource| resource.name == name)
}
