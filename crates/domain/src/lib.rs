//! Jinguo's domain: types that can only exist valid, rules and validators.
//! No I/O, no async. Everything above (storage, services, interfaces) speaks these types.

/// An enumeration with its key (database, API), the Chinese names a sheet may carry, and its
/// names in both languages.
macro_rules! catalog {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $k:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The key in the database, the API and the catalogs.
            pub fn key(self) -> &'static str {
                match self { $($name::$v => $k),+ }
            }
            /// From its key or its Chinese name.
            pub fn parse(s: &str) -> Option<$name> {
                match s.trim() { $($k | $zh => Some($name::$v),)+ _ => None }
            }
            /// Its name in the user's language.
            pub fn label(self, lang: Lang) -> &'static str {
                match self { $($name::$v => lang.pick($zh, $en)),+ }
            }
        }
        impl $crate::Kind for $name {
            const NAME: &'static str = stringify!($name);
            fn all() -> &'static [$name] {
                $name::ALL
            }
            fn key(self) -> &'static str {
                $name::key(self)
            }
        }
    };
}

/// A kind (a status, a source, a registry's service…) declared once, as an enum: its key in the
/// database, the API and the catalogs, its parsing, the OpenAPI enum of its fields and the
/// values its column's CHECK allows all come from the one declaration.
pub trait Kind: Sized + Copy + 'static {
    /// Its name, for errors.
    const NAME: &'static str;
    fn all() -> &'static [Self];
    fn key(self) -> &'static str;

    /// Every key, in declaration order.
    fn keys() -> Vec<&'static str> {
        Self::all().iter().map(|k| k.key()).collect()
    }

    /// From a value this program stored: its key exactly. Anything else (a row written by hand,
    /// by another version) is an error, never silently taken for some default.
    fn stored(s: &str) -> Result<Self, UnknownKind> {
        Self::all()
            .iter()
            .copied()
            .find(|k| k.key() == s)
            .ok_or_else(|| UnknownKind {
                kind: Self::NAME,
                value: s.chars().take(40).collect(),
            })
    }

    /// `column IN ('a', 'b', …)`, the body of the column's CHECK.
    fn sql_in(column: &str) -> String {
        let keys: Vec<String> = Self::keys().iter().map(|k| format!("'{k}'")).collect();
        format!("{column} IN ({})", keys.join(", "))
    }
}

/// [`Kind`] for an enum written by hand, with its `ALL` and `key`.
macro_rules! kind {
    ($name:ident) => {
        impl $crate::Kind for $name {
            const NAME: &'static str = stringify!($name);
            fn all() -> &'static [$name] {
                &$name::ALL
            }
            fn key(self) -> &'static str {
                $name::key(self)
            }
        }
    };
}

/// A stored value that is not a key of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKind {
    pub kind: &'static str,
    pub value: String,
}

impl std::fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a stored {} is not one of its keys: {:?}",
            self.kind, self.value
        )
    }
}

impl std::error::Error for UnknownKind {}

pub mod account;
pub mod assessment;
pub mod audit;
pub mod care;
pub mod chain;
pub mod chart;
pub mod conference;
pub mod error;
pub mod family;
pub mod hotline;
pub mod i18n;
pub mod ids;
pub mod limits;
pub mod linkage;
pub mod mask;
pub mod mediation;
pub mod member;
pub mod opinion;
pub mod period;
pub mod person;
pub mod phone;
pub mod place;
pub mod report;
pub mod resident_id;
pub mod screening;
pub mod supervision;
pub mod suppress;
pub mod training;
pub mod typical;
pub mod volunteer;
pub mod worklist;

pub use error::{FieldError, ValidationErrors};
pub use i18n::Lang;
