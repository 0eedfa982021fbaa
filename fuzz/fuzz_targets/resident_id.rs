//! Resident ID numbers: any text is parsed without a panic; a number accepted is 18 characters
//! with a correct check character, reads back to itself, has a birth date between 1850 and
//! today, and is masked in `Debug`.

#![no_main]

use chrono::NaiveDate;
use jinguo_domain::resident_id::{ResidentId, check_char};
use jinguo_fuzz::today;
use jinguo_domain::Lang;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let id = match ResidentId::parse(input, today()) {
        Ok(id) => id,
        Err(e) => {
            let _ = (e.message(Lang::Zh), e.message(Lang::En));
            return;
        }
    };
    let s = id.as_str();
    let b = s.as_bytes();
    assert_eq!(b.len(), 18, "{s}");
    assert!(b[..17].iter().all(u8::is_ascii_digit), "{s}");
    assert_eq!(char::from(b[17]), check_char(&b[..17]), "{s}");
    assert_eq!(ResidentId::parse(s, today()).as_ref(), Ok(&id), "{s} does not read back");
    let birth = id.birth_date();
    let earliest = NaiveDate::from_ymd_opt(1850, 1, 1).expect("valid date");
    assert!(birth >= earliest && birth <= today(), "{s}: born {birth}");
    let _ = id.sex();
    assert!(!format!("{id:?}").contains(s), "Debug shows the number");
});
