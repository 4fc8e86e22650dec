namespace DeepSharp.Tensors;

/// <summary>How a tensor object and its memory are managed.</summary>
internal enum TensorKind : byte
{
    /// <summary>Created by a public factory or a view of one: collected by the GC.</summary>
    Ordinary,

    /// <summary>A scoped temporary owning pooled storage: object and memory go back to <see cref="TempPool"/> together.</summary>
    PooledOwner,

    /// <summary>A scoped view (an op's reshape output): the object goes back to <see cref="TempPool"/>, the memory stays with its owner.</summary>
    PooledView,
}
