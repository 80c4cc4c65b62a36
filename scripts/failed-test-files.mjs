// A node:test reporter that writes the files with a failing test as one JSON array (the unit
// runner re-runs them with source maps).
export default async function* failedTestFiles(source) {
  const failed = new Set();
  for await (const event of source) {
    if (event.type === 'test:fail' && event.data.file) failed.add(event.data.file);
  }
  yield `${JSON.stringify([...failed])}\n`;
}
