//! Ops behind `k6/experimental/csv`. [`Reader`] follows k6's reader: the header, a
//! skipped first line and the lines before `fromLine` are consumed when it is created,
//! `toLine` is inclusive, and the messages are k6's (built on Go's `encoding/csv` ones).

use crate::modules::fs::ops::OpenFiles;
use deno_core::{op2, OpState};
use serde::{Deserialize, Serialize};
use std::io::Cursor;
use std::sync::Arc;

/// Options as csv.js read them from the script (with k6's defaults and conversions).
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    delimiter: String,
    skip_first_line: bool,
    from_line: Option<f64>,
    to_line: Option<f64>,
    as_objects: bool,
}

/// A file's bytes from some offset on, without copying them.
struct Tail(Arc<[u8]>, usize);

impl AsRef<[u8]> for Tail {
    fn as_ref(&self) -> &[u8] {
        &self.0[self.1..]
    }
}

pub struct Reader {
    csv: csv::Reader<Cursor<Tail>>,
    /// Records consumed so far (the header and skipped ones included), as k6 counts lines.
    line: i64,
    to_line: Option<i64>,
    header: Option<Vec<String>>,
    /// Go refuses these delimiters on every read, not when the reader is made.
    bad_delimiter: bool,
}

/// Why a reader could not be made: `validate` for contradictory options (k6 checks
/// them before reading anything), `read` for what reading the first records found.
#[derive(Serialize)]
pub struct Failure {
    stage: &'static str,
    message: String,
}

fn validate(o: &Options) -> Result<(), String> {
    let from = o.from_line.map(|n| n as i64);
    let to = o.to_line.map(|n| n as i64);
    if o.as_objects && o.skip_first_line {
        return Err("the 'header' option cannot be enabled when 'skipFirstLine' is true".into());
    }
    if o.as_objects && from.is_some_and(|n| n > 0) {
        return Err(
            "the 'header' option cannot be enabled when 'fromLine' is set to a value greater than 0"
                .into(),
        );
    }
    if let Some(n) = from.filter(|n| *n < 0) {
        return Err(format!(
            "the 'fromLine' option must be greater than or equal to 0; got {n}"
        ));
    }
    if let Some(n) = to.filter(|n| *n < 0) {
        return Err(format!(
            "the 'toLine' option must be greater than or equal to 0; got {n}"
        ));
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(format!(
                "the 'fromLine' option must be less than the 'toLine' option; got 'fromLine': {f}, 'toLine': {t}"
            ));
        }
    }
    Ok(())
}

/// Go's wording for a record it refuses. Go numbers the lines of the whole input, and
/// the csv crate counts them differently around blank lines, so the line is counted
/// here from the record's byte position.
fn go_message(err: &csv::Error, input: &[u8]) -> String {
    match err.kind() {
        csv::ErrorKind::UnequalLengths { pos, .. } => {
            let mut at = pos.as_ref().map(|p| p.byte() as usize).unwrap_or(0);
            // The position may be that of blank lines before the record.
            while matches!(input.get(at), Some(b'\r' | b'\n')) {
                at += 1;
            }
            let before = &input[..at.min(input.len())];
            let line = 1 + before.iter().filter(|b| **b == b'\n').count();
            format!("record on line {line}: wrong number of fields")
        }
        _ => err.to_string(),
    }
}

impl Reader {
    pub fn new(data: Arc<[u8]>, offset: usize, o: &Options) -> Result<Self, Failure> {
        validate(o).map_err(|message| Failure {
            stage: "validate",
            message,
        })?;
        let fail = |message: String| Failure {
            stage: "read",
            message,
        };
        // csv.js lets through only single ASCII characters.
        let delimiter = o.delimiter.bytes().next().unwrap_or(b',');
        let offset = offset.min(data.len());
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .from_reader(Cursor::new(Tail(data, offset)));
        let mut reader = Reader {
            csv,
            line: 0,
            to_line: o.to_line.map(|n| n as i64),
            header: None,
            bad_delimiter: matches!(delimiter, 0 | b'"' | b'\r' | b'\n'),
        };
        if o.as_objects {
            let header = reader
                .raw_read()
                .map_err(|e| fail(format!("failed to read the first line; reason: {e}")))?;
            reader.header = Some(header);
            reader.line += 1;
        }
        let from = o.from_line.map(|n| n as i64).unwrap_or(0);
        if o.skip_first_line && from == 0 {
            reader
                .raw_read()
                .map_err(|e| fail(format!("failed to skip the first line; reason: {e}")))?;
            reader.line += 1;
        }
        while reader.line < from {
            reader.raw_read().map_err(|e| {
                fail(format!(
                    "failed to skip lines until line {from}; reason: {e}"
                ))
            })?;
            reader.line += 1;
        }
        Ok(reader)
    }

    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// The next record; the end of the input is the error "EOF", as Go reports it.
    fn raw_read(&mut self) -> Result<Vec<String>, String> {
        if self.bad_delimiter {
            return Err("csv: invalid field or comment delimiter".into());
        }
        let mut record = csv::ByteRecord::new();
        match self.csv.read_byte_record(&mut record) {
            Ok(true) => Ok(record
                .iter()
                .map(|field| String::from_utf8_lossy(field).into_owned())
                .collect()),
            Ok(false) => Err("EOF".into()),
            Err(e) => Err(go_message(&e, self.csv.get_ref().get_ref().as_ref())),
        }
    }

    /// The next record up to `toLine`, `None` past it or at the end.
    pub fn read(&mut self) -> Result<Option<Vec<String>>, String> {
        if self.to_line.is_some_and(|to| to > 0 && self.line > to) {
            return Ok(None);
        }
        match self.raw_read() {
            Ok(record) => {
                self.line += 1;
                Ok(Some(record))
            }
            Err(e) if e == "EOF" => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// This VU's parsers, indexed by the id csv.js keeps in each `Parser`.
#[derive(Default)]
struct Parsers(Vec<Reader>);

fn reader_for(
    state: &OpState,
    file: u32,
    offset: f64,
    options: &Options,
) -> Result<Reader, Failure> {
    let Some(data) = OpenFiles::data(state, file) else {
        return Err(Failure {
            stage: "validate",
            message: "the reader cannot be nil".into(),
        });
    };
    Reader::new(data, offset.max(0.0) as usize, options)
}

#[derive(Serialize, Default)]
pub struct Parsed {
    failure: Option<Failure>,
    header: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
}

/// Every record of the file from `offset` on (up to `toLine`), for `csv.parse`.
#[op2]
#[serde]
pub fn op_csv_parse(
    state: &mut OpState,
    file: u32,
    offset: f64,
    #[serde] options: Options,
) -> Parsed {
    let mut reader = match reader_for(state, file, offset, &options) {
        Ok(reader) => reader,
        Err(failure) => {
            return Parsed {
                failure: Some(failure),
                ..Default::default()
            }
        }
    };
    let mut rows = Vec::new();
    loop {
        match reader.read() {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => break,
            Err(message) => {
                return Parsed {
                    failure: Some(Failure {
                        stage: "record",
                        message,
                    }),
                    ..Default::default()
                }
            }
        }
    }
    Parsed {
        failure: None,
        header: reader.header().map(<[String]>::to_vec),
        rows,
    }
}

#[derive(Serialize)]
pub struct Created {
    failure: Option<Failure>,
    id: u32,
    header: Option<Vec<String>>,
}

/// A `Parser`'s reader, kept in this VU until the VU ends (parsers are made in the
/// init context only, so there are few).
#[op2]
#[serde]
pub fn op_csv_parser_new(
    state: &mut OpState,
    file: u32,
    offset: f64,
    #[serde] options: Options,
) -> Created {
    match reader_for(state, file, offset, &options) {
        Ok(reader) => {
            let header = reader.header().map(<[String]>::to_vec);
            if !state.has::<Parsers>() {
                state.put(Parsers::default());
            }
            let parsers = state.borrow_mut::<Parsers>();
            parsers.0.push(reader);
            Created {
                failure: None,
                id: (parsers.0.len() - 1) as u32,
                header,
            }
        }
        Err(failure) => Created {
            failure: Some(failure),
            id: 0,
            header: None,
        },
    }
}

#[derive(Serialize)]
pub struct Next {
    error: Option<String>,
    row: Option<Vec<String>>,
}

/// The parser's next record: `row` is absent at the end.
#[op2]
#[serde]
pub fn op_csv_parser_next(state: &mut OpState, id: u32) -> Next {
    let Some(reader) = state
        .try_borrow_mut::<Parsers>()
        .and_then(|p| p.0.get_mut(id as usize))
    else {
        return Next {
            error: None,
            row: None,
        };
    };
    match reader.read() {
        Ok(row) => Next { error: None, row },
        Err(error) => Next {
            error: Some(error),
            row: None,
        },
    }
}
