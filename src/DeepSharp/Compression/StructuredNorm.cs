namespace DeepSharp.Compression;

/// <summary>How structured pruning ranks a unit or filter: by the norm of its weights.</summary>
public enum StructuredNorm
{
    /// <summary>Σ|w| (torch's <c>ln_structured(n=1)</c>, the filter-pruning paper's criterion).</summary>
    L1,

    /// <summary>√Σw².</summary>
    L2,
}
