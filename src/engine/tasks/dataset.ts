// Labelled datasets for evaluation and tuning, read from disk as regular files of bounded size
// (parsing: src/datasets/datasetFile.ts, shared with the language server's data checks).
import { FILE_LIMITS, type FileReadError, readRegularFile } from '../../modelFiles/regularFile';
import { type Dataset, DatasetError, type LoadDatasetOptions, parseDataset } from '../../datasets/datasetFile';

export { type Dataset, DatasetError, type DatasetRow, type LoadDatasetOptions, parseDataset } from '../../datasets/datasetFile';

export async function loadDataset(file: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  let text: string;
  try {
    text = readRegularFile(file, FILE_LIMITS.dataset);
  } catch (err) {
    const { reason, message } = err as FileReadError;
    throw new DatasetError(file, [{ line: 0, message: reason === 'ENOENT' ? 'dataset file not found' : `cannot read dataset (${message.slice(file.length + 2)})` }]);
  }
  return parseDataset(file, text, options);
}

