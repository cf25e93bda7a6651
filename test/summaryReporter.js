// Prints the plain closing line CI reads ("N passed, N failed", and ", N skipped" when a test
// could not run here, e.g. without its service): jest's own summary is not read. A suite that
// fails to load counts as one failure, so a broken file cannot pass unseen.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests > 0 ? `, ${results.numPendingTests} skipped` : '';
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed${skipped}\n`);
  }
}
module.exports = SummaryReporter;
