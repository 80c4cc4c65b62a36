// RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes. Returns records with the
// 1-based line each starts on, so dataset errors can point at the right line.

export interface CsvRecord {
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 0;
  let sawAnything = false;
  const endRecord = () => {
    cells.push(cell);
    if (sawAnything || cells.length > 1 || cell !== '') records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
    sawAnything = false;
  };
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '') {
      inQuotes = true;
      quoteLine = line;
      sawAnything = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      sawAnything = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      cell += ch;
      sawAnything = true;
    }
  }
  if (inQuotes) throw new CsvSyntaxError(quoteLine, 'unterminated quoted field');
  if (cell !== '' || cells.length > 0 || sawAnything) endRecord();
  return records;
}
