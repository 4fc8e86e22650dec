namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// A register-blocked GEMM micro-kernel: one <see cref="Mr"/>×<see cref="Nr"/> tile of C from a
/// packed A micro-panel (kc steps of Mr values) and a packed B micro-panel (kc steps of Nr values).
/// </summary>
/// <remarks>
/// Every kernel sums each tile element from zero in k order and only then adds the old C, so an
/// element's value does not depend on where its tile lies (edge tiles go through a scratch tile).
/// </remarks>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Rows of the register block.</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of the register block.</summary>
    static abstract int Nr { get; }

    /// <summary>c[r, j] = (accumulate ? c[r, j] : 0) + Σ_p a[p·Mr + r]·b[p·Nr + j] for the full tile.</summary>
    static abstract void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate);
}
