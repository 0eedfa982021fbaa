//! The household sheet in XLSX: any workbook (a zip file as it is, or a sheet, shared strings
//! and styles put into a workbook, see `jinguo_fuzz::workbook_from_parts`) is read to the end
//! without a panic; rows come out once each, in sheet order; a sheet whose rows are all
//! accepted writes out and reads back to the same persons.

#![no_main]

use jinguo_domain::Lang;
use jinguo_fuzz::{today, xlsx_input};
use jinguo_interchange::{PersonRow, Row, households_sheet, read_households_xlsx, xlsx};
use libfuzzer_sys::fuzz_target;

fn read(bytes: &[u8]) -> Option<Vec<Row>> {
    match read_households_xlsx(bytes, today()) {
        Ok(rows) => rows.collect::<Result<_, _>>().ok(),
        Err(e) => {
            let _ = (e.code(), e.message(Lang::Zh), e.message(Lang::En));
            None
        }
    }
}

fuzz_target!(init: { jinguo_fuzz::count_only_escaping_panics(); }, |data: &[u8]| {
    let book = xlsx_input(data);
    let Some(rows) = read(&book) else {
        return;
    };
    let mut last = 1;
    for row in &rows {
        assert!(row.number > last, "row {} after row {last}", row.number);
        last = row.number;
        match &row.result {
            Ok(p) => assert_eq!(p.household_code, row.household_code),
            Err(errors) => {
                assert!(!errors.is_empty(), "row {} refused without a reason", row.number);
                for e in errors {
                    assert_eq!(e.row, row.number);
                    let _ = (e.message(Lang::Zh), e.message(Lang::En));
                }
            }
        }
    }
    if !rows.is_empty() && rows.iter().all(|r| r.result.is_ok()) {
        let persons: Vec<PersonRow> = rows.into_iter().filter_map(|r| r.result.ok()).collect();
        let written = xlsx(&[households_sheet("户", &persons)]).expect("writing the sheet");
        let again: Vec<PersonRow> = read(&written)
            .expect("the written workbook reads back")
            .into_iter()
            .map(|r| r.result.unwrap_or_else(|e| panic!("row {} refused: {e:?}", r.number)))
            .collect();
        assert_eq!(again, persons, "written and read back");
    }
});
