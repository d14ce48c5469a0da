// Mirrors grafana/k6 examples/experimental/csv-parse.js and csv-parser.js: a CSV file parsed
// whole into a SharedArray with csv.parse, and streamed row by row with csv.Parser.
import { open } from "k6/experimental/fs";
import csv from "k6/experimental/csv";
import { scenario } from "k6/execution";
import { check } from "k6";

export const options = { iterations: 4 };

const records = await csv.parse(await open("data/people.csv"), { delimiter: ",", skipFirstLine: true });
const parser = new csv.Parser(await open("data/people.csv"), { skipFirstLine: true });

export default async function () {
  const row = records[scenario.iterationInTest];
  const { done, value } = await parser.next();
  check(row, {
    "four records": () => records.length === 4,
    "row has three fields": (r) => r.length === 3,
    "parser agrees": (r) => !done && value.join() === r.join(),
  });
}
