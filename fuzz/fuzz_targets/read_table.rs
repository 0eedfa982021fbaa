//! Small tables of any layout (CSV, or XLSX as in `households_xlsx`): any bytes are read
//! without a panic; rows are numbered after the header in increasing order and none is blank.

#![no_main]

use jinguo_domain::Lang;
use jinguo_fuzz::{is_zip, workbook_from_parts};
use jinguo_interchange::read_table;
use libfuzzer_sys::fuzz_target;
use std::borrow::Cow;

fuzz_target!(init: { jinguo_fuzz::count_only_escaping_panics(); }, |data: &[u8]| {
    // XML (a structured workbook) unless it is a zip file or anything else (CSV).
    let bytes: Cow<'_, [u8]> = if !is_zip(data) && data.starts_with(b"<") {
        Cow::Owned(workbook_from_parts(data))
    } else {
        Cow::Borrowed(data)
    };
    match read_table(&bytes) {
        Ok(table) => {
            let mut last = 1;
            for (number, cells) in &table.rows {
                assert!(*number > last, "row {number} after row {last}");
                last = *number;
                assert!(cells.iter().any(|c| !c.is_empty()), "blank row {number}");
            }
            if let Some(i) = table.column(&["姓名", "name"]) {
                assert!(i < table.headers.len());
            }
        }
        Err(e) => {
            let _ = (e.code(), e.message(Lang::Zh), e.message(Lang::En));
        }
    }
});
