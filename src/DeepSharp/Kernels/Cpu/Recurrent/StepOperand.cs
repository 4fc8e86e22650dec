namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// A weight matrix op(B) that an LSTM sequence multiplies by at every step, packed once: as the GEMM
/// driver's panels (<see cref="GemmPackedB"/>) or, where <see cref="RecurrentStepProduct.Preferred"/>,
/// as 48-column panels for <see cref="RecurrentStepProduct"/>. Either way a product has the bits of
/// Gemm.Multiply with the same operands.
/// </summary>
internal sealed unsafe class StepOperand : IDisposable
{
    private GemmPackedB? _packed;
    private RecurrentStepPanels? _panels;

    private StepOperand(GemmPackedB? packed, RecurrentStepPanels? panels) => (_packed, _panels) = (packed, panels);

    /// <summary>Rows of op(B): the products' depth.</summary>
    public int K => _panels?.K ?? _packed!.K;

    /// <summary>Columns of op(B).</summary>
    public int N => _panels?.N ?? _packed!.N;

    /// <summary>Packs op(B) (k×n; B stored n×k when <paramref name="transB"/>) for the path this CPU prefers.</summary>
    public static StepOperand Pack(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb) =>
        RecurrentStepProduct.Preferred
            ? new StepOperand(null, RecurrentStepPanels.Pack(transB, k, n, b, ldb))
            : new StepOperand(GemmPackedB.Pack(transB, k, n, b, ldb), null);

    /// <summary>
    /// C[:, c0..c1) (+)= A·op(B) over <paramref name="rows"/> rows (row r of A at a + r·lda, of C at
    /// c + r·ldc); c0 a multiple of 32 (the driver's panel width), the lengths those of the buffers behind a and c.
    /// </summary>
    public void Multiply(float* a, int lda, float* c, int ldc, long lengthA, long lengthC, int c0, int c1, bool accumulate, int rows)
    {
        if (_panels is not null)
        {
            KernelBounds.Range(0, (long)(rows - 1) * lda + _panels.K, lengthA);
            KernelBounds.Range(c0, (long)(rows - 1) * ldc + c1 - c0, lengthC);
            RecurrentStepProduct.Multiply(_panels, a, lda, rows, c, ldc, c0, c1, accumulate);
            return;
        }
        var b = _packed!;
        var args = new GemmArgs
        {
            A = a,
            C = c,
            LengthA = lengthA,
            LengthB = b.Floats,
            LengthC = lengthC,
            Lda = lda,
            Ldb = b.PaddedN,
            Ldc = ldc,
            M = rows,
            N = b.N,
            K = b.K,
            Accumulate = accumulate,
        };
        switch (b.Kind)
        {
            case GemmKernelKind.Vector512: GemmDriver<GemmMicroKernel512>.RunPackedRegion(args, b, 0, rows, c0, c1); break;
            case GemmKernelKind.Vector256: GemmDriver<GemmMicroKernel256>.RunPackedRegion(args, b, 0, rows, c0, c1); break;
            case GemmKernelKind.Vector128: GemmDriver<GemmMicroKernel128>.RunPackedRegion(args, b, 0, rows, c0, c1); break;
            default: GemmDriver<GemmMicroKernelScalar>.RunPackedRegion(args, b, 0, rows, c0, c1); break;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _packed?.Dispose();
        _packed = null;
        _panels?.Dispose();
        _panels = null;
    }
}
