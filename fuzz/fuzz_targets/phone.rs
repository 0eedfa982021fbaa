//! Mobile numbers: any text is parsed without a panic; a number accepted is 11 digits
//! `1[3-9]…`, reads back to itself, and is masked in `Debug`.

#![no_main]

use jinguo_domain::phone::Mobile;
use jinguo_domain::Lang;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let m = match Mobile::parse(input) {
        Ok(m) => m,
        Err(e) => {
            let _ = (e.message(Lang::Zh), e.message(Lang::En));
            return;
        }
    };
    let s = m.as_str();
    let b = s.as_bytes();
    assert_eq!(b.len(), 11, "{s}");
    assert!(b.iter().all(u8::is_ascii_digit), "{s}");
    assert!(b[0] == b'1' && (b'3'..=b'9').contains(&b[1]), "{s}");
    assert_eq!(Mobile::parse(s).as_ref(), Ok(&m), "{s} does not read back");
    assert!(!format!("{m:?}").contains(s), "Debug shows the number");
});
