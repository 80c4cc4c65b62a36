// Labelled datasets for evaluation and tuning, read from disk (parsing: src/datasets/datasetFile.ts,
// shared with the language server's data checks).
import { readFile } from 'node:fs/promises';
import { type Dataset, DatasetError, type LoadDatasetOptions, parseDataset } from '../../datasets/datasetFile';

export { type Dataset, DatasetError, type DatasetRow, type LoadDatasetOptions, parseDataset } from '../../datasets/datasetFile';

export async function loadDataset(file: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(file, [{ line: 0, message: code === 'ENOENT' ? 'dataset file not found' : `cannot read dataset (${code ?? String(err)})` }]);
  }
  return parseDataset(file, text, options);
}

