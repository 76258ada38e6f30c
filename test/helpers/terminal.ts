/**
 * Replays what a program wrote to a terminal onto a screen of rows, for tests of output redrawn in
 * place. It understands what jobtap's live progress writes: text, newlines, cursor up (CSI n A),
 * clear line (CSI 2K) and clear to the end of the screen (CSI J); the cursor is always at the
 * start of a row when one of them comes.
 */
export function replayTerminal(written: string): string[] {
  const rows: string[] = [''];
  let row = 0;
  for (let i = 0; i < written.length; ) {
    const csi = /^\x1b\[(\d*)([AKJ])/.exec(written.slice(i, i + 8));
    if (csi !== null) {
      if (csi[2] === 'A') row = Math.max(0, row - Number(csi[1] || '1'));
      if (csi[2] === 'K') rows[row] = '';
      if (csi[2] === 'J') {
        rows.splice(row + 1);
        rows[row] = '';
      }
      i += csi[0].length;
    } else if (written[i] === '\n') {
      row++;
      rows[row] ??= '';
      i++;
    } else {
      rows[row] += written[i];
      i++;
    }
  }
  // The row the cursor rests on, below the last line, is not content.
  return rows.filter((r, i) => r !== '' || i < row);
}
