//! Place codes: any text is parsed without a panic; a code accepted has the digits of its
//! level, reads back to itself, and its parent, county and path are prefixes of it.

#![no_main]

use jinguo_domain::place::{PlaceCode, PlaceLevel};
use jinguo_domain::Lang;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let code = match PlaceCode::parse(input) {
        Ok(code) => code,
        Err(e) => {
            let _ = (e.message(Lang::Zh), e.message(Lang::En));
            return;
        }
    };
    let s = code.as_str();
    assert!(s.bytes().all(|b| b.is_ascii_digit()), "{s}");
    let level = code.level();
    assert_eq!(level.code_len(), s.len(), "{s}");
    assert_eq!(PlaceCode::parse(s).as_ref(), Ok(&code), "{s} does not read back");
    match code.parent() {
        Some(parent) => {
            assert!(s.starts_with(parent.as_str()), "{s}: parent {parent}");
            assert_eq!(parent.level().child(), Some(level), "{s}: parent {parent}");
        }
        None => assert_eq!(level, PlaceLevel::Province, "{s} has no parent"),
    }
    match code.county() {
        Some(county) => {
            assert!(level >= PlaceLevel::County, "{s}");
            assert_eq!(county, &s[..6]);
        }
        None => assert!(level < PlaceLevel::County, "{s}"),
    }
    let path = code.path();
    assert!(path.ends_with(&format!("{s}/")), "{s}: path {path}");
    assert_eq!(path.matches('/').count(), level.as_i16() as usize, "{s}: path {path}");
    for part in path.trim_end_matches('/').split('/') {
        assert!(s.starts_with(part), "{s}: path {path}");
    }
    if let Some(group) = PlaceCode::group(&code, 1) {
        assert_eq!(level, PlaceLevel::Village);
        assert_eq!(group.level(), PlaceLevel::Group);
        assert_eq!(group.parent().as_ref(), Some(&code));
    }
});
