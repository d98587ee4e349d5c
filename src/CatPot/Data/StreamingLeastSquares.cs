namespace CatPot.Data;

/// <summary>
/// Least squares min ‖A x − b‖ over rows given one at a time: each row is rotated into an upper-triangular R (Givens),
/// with Qᵀb alongside, so memory is columns² however many rows; the minimum-norm solution is then that of R x = Qᵀb
/// (the same singular values as A), solved by <see cref="LeastSquares.SolveMinimumNorm"/>. Only the columns that had a
/// nonzero value in some row are touched (the element slots that occurred, and the charge terms where the charge varies).
/// </summary>
internal sealed class StreamingLeastSquares(int columns)
{
    private readonly double[] _r = new double[columns * columns]; // row-major, upper triangular
    private readonly double[] _qtb = new double[columns];
    private readonly double[] _row = new double[columns];
    private readonly List<int> _active = [];                        // columns seen so far, ascending
    private readonly bool[] _seen = new bool[columns];

    /// <summary>Columns that occurred in some row.</summary>
    public int ColumnCount => _active.Count;

    /// <summary>Adds the row with the given values at the given columns (ascending; other columns 0) and right-hand side b.</summary>
    public void AddRow(ReadOnlySpan<(int Column, double Value)> entries, double b)
    {
        foreach (var (z, value) in entries)
        {
            if (value == 0 || _seen[z]) continue;
            _seen[z] = true;
            int at = _active.BinarySearch(z);
            _active.Insert(~at, z);
        }
        foreach (var (z, value) in entries) _row[z] = value;
        int n = columns;
        for (int a = 0; a < _active.Count; a++)
        {
            int j = _active[a];
            double x = _row[j];
            if (x == 0) continue;
            int rj = j * n;
            double d = _r[rj + j];
            if (d == 0)
            {
                // An empty row of R takes the rest of this row as it is.
                for (int c = a; c < _active.Count; c++)
                {
                    int k = _active[c];
                    _r[rj + k] = _row[k];
                    _row[k] = 0;
                }
                _qtb[j] = b;
                return;
            }
            double h = Math.Sqrt((d * d) + (x * x));
            double cs = d / h, sn = x / h;
            for (int c = a; c < _active.Count; c++)
            {
                int k = _active[c];
                double rk = _r[rj + k], wk = _row[k];
                _r[rj + k] = (cs * rk) + (sn * wk);
                _row[k] = (cs * wk) - (sn * rk);
            }
            _row[j] = 0;
            double q = _qtb[j];
            _qtb[j] = (cs * q) + (sn * b);
            b = (cs * b) - (sn * q);
        }
    }

    /// <summary>The minimum-norm solution, indexed by column (0 for columns that never occurred).</summary>
    /// <param name="rcond">Singular values below rcond·σ_max count as zero (for the full matrix: ε·max(rows, columns)).</param>
    public double[] SolveMinimumNorm(double rcond)
    {
        int k = _active.Count, n = columns;
        var x = new double[n];
        if (k == 0) return x;
        var a = new double[k * k]; // column-major k×k
        var rhs = new double[k];
        for (int r = 0; r < k; r++)
        {
            rhs[r] = _qtb[_active[r]];
            for (int c = 0; c < k; c++) a[(c * k) + r] = _r[(_active[r] * n) + _active[c]];
        }
        var solution = LeastSquares.SolveMinimumNorm(a, k, k, rhs, rcond);
        for (int c = 0; c < k; c++) x[_active[c]] = solution[c];
        return x;
    }
}
