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
    };
}

pub mod account;
pub mod audit;
pub mod care;
pub mod error;
pub mod i18n;
pub mod ids;
pub mod linkage;
pub mod mask;
pub mod mediation;
pub mod member;
pub mod person;
pub mod phone;
pub mod place;
pub mod resident_id;
pub mod screening;

pub use error::{FieldError, ValidationErrors};
pub use i18n::Lang;
