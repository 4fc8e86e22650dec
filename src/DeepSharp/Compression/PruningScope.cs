namespace DeepSharp.Compression;

/// <summary>Over which weights a magnitude threshold is chosen.</summary>
public enum PruningScope
{
    /// <summary>Each layer on its own: every layer's prunable weights reach the sparsity (tfmot's default).</summary>
    Layer,

    /// <summary>All prunable weights of the model together (torch's <c>global_unstructured</c>): layers with many small weights lose more.</summary>
    Global,
}
