//! One source described by command-line flags, for jobs of a single file.
//!
//! A small hand parser rather than a command-line crate: the flags map one to
//! one onto [`SourceSpec`] keys, and the library should not pull a CLI
//! framework into its users' builds.

use std::collections::BTreeMap;

use crate::error::{Error, ErrorKind, Result};
use crate::io::job::{Columns, FieldName, Format, SourceSpec};
use crate::normalize::DateOrder;
use crate::record::Channel;

/// The flags [`SourceSpec::from_cli_args`] knows, for usage messages.
pub const SOURCE_FLAGS_USAGE: &str = "\
--input FILE            the export to read (required)
--channel NAME          store, web, callcentre, app or another name (required)
--id-column COLUMN      the column holding the record id (required)
--map FIELD=COL[,COL]   canonical field from a column, or columns joined by a space (repeatable)
--format csv|jsonl      default csv
--delimiter CHAR        default ',' ('tab' for a tab)
--quote CHAR            default '\"'
--encoding NAME         utf-8 (default), utf-8-bom, windows-1252, latin-1, iso-8859-15
--no-header             columns are named 1, 2, ...
--date-order dmy|mdy|ymd  default dmy
--region CC             default FR
--time-zone TZ          default Europe/Paris";

impl SourceSpec {
    /// Builds a spec from command-line flags (the program name excluded).
    /// Flags take their value as the next argument or after `=`
    /// (`--delimiter=;`). An unknown flag, a flag given twice (except
    /// `--map`), a missing value or a missing required flag is an error
    /// naming the flag; see [`SOURCE_FLAGS_USAGE`].
    ///
    /// ```
    /// use omnicanal::io::SourceSpec;
    /// let args: Vec<String> = "--input us.csv --channel web --id-column id \
    ///     --map given_name=first_name --map street=street_number,address_1 \
    ///     --date-order mdy --region US --no-header"
    ///     .split(' ').map(String::from).collect();
    /// let spec = SourceSpec::from_cli_args(&args)?;
    /// assert_eq!(spec.region.as_str(), "US");
    /// assert!(!spec.header);
    /// let street: omnicanal::io::FieldName = "street".parse()?;
    /// assert_eq!(spec.map[&street].names(), ["street_number", "address_1"]);
    /// assert!(SourceSpec::from_cli_args(&["--colour".to_string()]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_cli_args(args: &[String]) -> Result<SourceSpec> {
        let mut input = None;
        let mut channel = None;
        let mut id = None;
        let mut format = None;
        let mut delimiter = None;
        let mut quote = None;
        let mut encoding = None;
        let mut header = None;
        let mut date_order = None;
        let mut region = None;
        let mut time_zone = None;
        let mut map = BTreeMap::new();

        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
                _ => (arg.as_str(), None),
            };
            if flag == "--no-header" {
                if inline.is_some() {
                    return Err(cli_error(flag, "takes no value"));
                }
                set_once(&mut header, flag, false)?;
                continue;
            }
            let known = [
                "--input",
                "--channel",
                "--id-column",
                "--map",
                "--format",
                "--delimiter",
                "--quote",
                "--encoding",
                "--date-order",
                "--region",
                "--time-zone",
            ];
            if !known.contains(&flag) {
                return Err(Error::new(ErrorKind::Config {
                    reason: format!(
                        "unknown flag {:?}",
                        flag.chars().take(64).collect::<String>()
                    ),
                }));
            }
            let value = match inline {
                Some(value) => value,
                None => args
                    .next()
                    .map(String::as_str)
                    .ok_or_else(|| cli_error(flag, "needs a value"))?,
            };
            let with_flag = |e: Error| cli_error(flag, &e.kind().to_string());
            match flag {
                "--input" => set_once(&mut input, flag, std::path::PathBuf::from(value))?,
                "--channel" => set_once(
                    &mut channel,
                    flag,
                    value.parse::<Channel>().map_err(with_flag)?,
                )?,
                "--id-column" => set_once(&mut id, flag, value.to_owned())?,
                "--format" => {
                    let parsed = match value.trim().to_ascii_lowercase().as_str() {
                        "csv" => Format::Csv,
                        "jsonl" | "ndjson" => Format::Jsonl,
                        _ => return Err(cli_error(flag, "is csv or jsonl")),
                    };
                    set_once(&mut format, flag, parsed)?
                }
                "--delimiter" => set_once(&mut delimiter, flag, value.parse().map_err(with_flag)?)?,
                "--quote" => set_once(&mut quote, flag, value.parse().map_err(with_flag)?)?,
                "--encoding" => set_once(&mut encoding, flag, value.parse().map_err(with_flag)?)?,
                "--date-order" => {
                    let parsed = match value.trim().to_ascii_lowercase().as_str() {
                        "dmy" => DateOrder::Dmy,
                        "mdy" => DateOrder::Mdy,
                        "ymd" => DateOrder::Ymd,
                        _ => return Err(cli_error(flag, "is dmy, mdy or ymd")),
                    };
                    set_once(&mut date_order, flag, parsed)?
                }
                "--region" => set_once(&mut region, flag, value.parse().map_err(with_flag)?)?,
                "--time-zone" => set_once(&mut time_zone, flag, value.to_owned())?,
                _ => {
                    let (field, columns) = value
                        .split_once('=')
                        .ok_or_else(|| cli_error(flag, "is FIELD=COLUMN or FIELD=COL1,COL2"))?;
                    let field = FieldName::new(field).map_err(with_flag)?;
                    let columns: Vec<String> =
                        columns.split(',').map(|c| c.trim().to_owned()).collect();
                    let columns = match <[String; 1]>::try_from(columns) {
                        Ok([one]) => Columns::One(one),
                        Err(many) => Columns::Joined(many),
                    };
                    if map.insert(field.clone(), columns).is_some() {
                        return Err(cli_error(flag, &format!("maps {field} twice")));
                    }
                }
            }
        }

        let missing = |flag: &str| cli_error(flag, "is required");
        let mut spec = SourceSpec::new(
            input.ok_or_else(|| missing("--input"))?,
            channel.ok_or_else(|| missing("--channel"))?,
            id.ok_or_else(|| missing("--id-column"))?,
        );
        spec.format = format.unwrap_or_default();
        spec.delimiter = delimiter.unwrap_or(spec.delimiter);
        spec.quote = quote.unwrap_or(spec.quote);
        spec.encoding = encoding.unwrap_or_default();
        spec.header = header.unwrap_or(true);
        spec.date_order = date_order.unwrap_or_default();
        spec.region = region.unwrap_or_default();
        spec.time_zone = time_zone.unwrap_or(spec.time_zone);
        spec.map = map;
        spec.validate()?;
        Ok(spec)
    }
}

fn set_once<T>(slot: &mut Option<T>, flag: &str, value: T) -> Result<()> {
    if slot.replace(value).is_some() {
        return Err(cli_error(flag, "is given twice"));
    }
    Ok(())
}

fn cli_error(flag: &str, why: &str) -> Error {
    Error::new(ErrorKind::Config {
        reason: format!("{flag} {why}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::encoding::TextEncoding;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn the_documented_command_line_gives_the_spec() {
        let spec = SourceSpec::from_cli_args(&args(
            "--input F --channel web --format csv --delimiter , --id-column id \
             --map given_name=first_name --map family_name=surname \
             --map street=street_number,address_1 --date-order mdy --region US \
             --encoding utf-8 --no-header",
        ))
        .unwrap();
        assert_eq!(spec.path, std::path::PathBuf::from("F"));
        assert_eq!(spec.channel, Channel::Web);
        assert_eq!(spec.format, Format::Csv);
        assert_eq!(spec.delimiter.byte(), b',');
        assert_eq!(spec.id, "id");
        assert_eq!(spec.date_order, DateOrder::Mdy);
        assert_eq!(spec.region.as_str(), "US");
        assert_eq!(spec.encoding, TextEncoding::Utf8);
        assert!(!spec.header);
        let field = |name: &str| FieldName::new(name).unwrap();
        assert_eq!(
            spec.map[&field("given_name")],
            Columns::One("first_name".into())
        );
        assert_eq!(
            spec.map[&field("family_name")],
            Columns::One("surname".into())
        );
        assert_eq!(
            spec.map[&field("street")],
            Columns::Joined(vec!["street_number".into(), "address_1".into()])
        );
    }

    #[test]
    fn inline_values_and_tab_delimiter() {
        let spec = SourceSpec::from_cli_args(&args(
            "--input=cc.tsv --channel=callcentre --id-column=ref --delimiter=tab --encoding=cp1252",
        ))
        .unwrap();
        assert_eq!(spec.delimiter.byte(), b'\t');
        assert_eq!(spec.encoding, TextEncoding::Windows1252);
        assert_eq!(spec.channel, Channel::CallCentre);
        assert!(spec.header);
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (
                "--input F --channel web --id-column id --colour red",
                "unknown flag \"--colour\"",
            ),
            ("--input F --channel web", "--id-column is required"),
            (
                "--input F --channel web --id-column",
                "--id-column needs a value",
            ),
            (
                "--input F --input G --channel web --id-column id",
                "--input is given twice",
            ),
            (
                "--input F --channel web --id-column id --map zip=cp",
                "unknown field name \"zip\"",
            ),
            (
                "--input F --channel web --id-column id --map email",
                "--map is FIELD=COLUMN",
            ),
            (
                "--input F --channel web --id-column id --format xml",
                "--format is csv or jsonl",
            ),
            (
                "--input F --channel web --id-column id --encoding utf-16",
                "unsupported encoding",
            ),
            (
                "--input F --channel web --id-column id --date-order dym",
                "--date-order is dmy",
            ),
            (
                "--input F --channel web --id-column id --no-header=yes",
                "--no-header takes no value",
            ),
            (
                "--input F --channel web --id-column id --map email=a --map email=b",
                "--map maps email twice",
            ),
        ];
        for (line, expected) in cases {
            let err = SourceSpec::from_cli_args(&args(line)).unwrap_err();
            assert!(err.to_string().contains(expected), "{line}: {err}");
            assert!(matches!(err.kind(), ErrorKind::Config { .. }));
        }
    }
}
