//! The household sheet in CSV: any bytes are read to the end without a panic, the same way
//! whatever the size of the reads; rows come out once each, in file order; a file whose rows are
//! all accepted writes out and reads back to the same persons.

#![no_main]

use jinguo_domain::Lang;
use jinguo_fuzz::{Trickle, today};
use jinguo_interchange::{PersonRow, ReadError, Row, read_households_csv, write_households_csv};
use libfuzzer_sys::fuzz_target;
use std::io::Read;

/// What reading a file gives: the error that stops it at once, or its rows and the error that
/// stopped it later, if any (as code and message, errors having no equality).
#[derive(Debug, PartialEq)]
enum Outcome {
    Refused(String),
    Read(Vec<Row>, Option<String>),
}

fn describe(e: &ReadError) -> String {
    let zh = e.message(Lang::Zh);
    let en = e.message(Lang::En);
    assert!(!zh.is_empty() && !en.is_empty());
    format!("{}: {en}", e.code())
}

fn read(reader: impl Read) -> Outcome {
    let rows = match read_households_csv(reader, today()) {
        Ok(rows) => rows,
        Err(e) => return Outcome::Refused(describe(&e)),
    };
    let _ = rows.encoding().name();
    let mut out = Vec::new();
    let mut stop = None;
    for r in rows {
        match r {
            Ok(row) => out.push(row),
            Err(e) => {
                assert!(stop.is_none(), "a row after the error that ends the file");
                stop = Some(describe(&e));
            }
        }
    }
    Outcome::Read(out, stop)
}

fn check_rows(rows: &[Row]) {
    let mut last = 1;
    for row in rows {
        assert!(row.number > last, "row {} after row {last}", row.number);
        last = row.number;
        match &row.result {
            Ok(p) => {
                assert_eq!(p.household_code, row.household_code);
                assert!(!p.household_code.is_empty());
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "row {} refused without a reason", row.number);
                for e in errors {
                    assert_eq!(e.row, row.number);
                    let _ = e.message(Lang::Zh);
                    let _ = e.message(Lang::En);
                }
            }
        }
    }
}

fn round_trip(persons: &[PersonRow]) {
    let mut file = Vec::new();
    write_households_csv(&mut file, persons).expect("writing to memory");
    let again = match read(file.as_slice()) {
        Outcome::Read(rows, None) => rows,
        other => panic!("the written file does not read back: {other:?}"),
    };
    let again: Vec<PersonRow> = again
        .into_iter()
        .map(|r| r.result.unwrap_or_else(|e| panic!("row {} refused: {e:?}", r.number)))
        .collect();
    assert_eq!(again, persons, "written and read back");
}

fuzz_target!(|data: &[u8]| {
    let whole = read(data);
    let step = 1 + data.len() % 13;
    let trickled = read(Trickle { data, step });
    assert_eq!(whole, trickled, "reads of {step} bytes differ");
    if let Outcome::Read(rows, stop) = whole {
        check_rows(&rows);
        if stop.is_none() && !rows.is_empty() && rows.iter().all(|r| r.result.is_ok()) {
            let persons: Vec<PersonRow> = rows.into_iter().filter_map(|r| r.result.ok()).collect();
            round_trip(&persons);
        }
    }
});
