using System.Numerics;

namespace DeepSharp.Tensors;

/// <summary>
/// The per-thread pool behind scoped temporaries. A temporary is a tensor object together with its
/// storage; when its <see cref="TensorScope"/> ends both come back here, the storage closed, and the
/// next temporary of the same size class reuses them — so a training step after warm-up allocates
/// neither arrays nor tensor objects. Size classes are powers of two (at least 16 elements); a
/// temporary uses a prefix of its class's array. Scoped views (reshape outputs) are pooled as bare
/// tensor objects. Per thread, because scopes are per thread: no locks on the hot path.
/// </summary>
internal static class TempPool
{
    private const int MinClassShift = 4, MaxClassShift = 30, MaxPerClass = 4096, MaxViews = 4096;

    [ThreadStatic] private static Stack<Tensor>?[]? t_float;
    [ThreadStatic] private static Stack<Tensor>?[]? t_int;
    [ThreadStatic] private static Stack<Tensor>? t_views;

    private static int ClassOf(int length) =>
        length <= 1 << MinClassShift ? MinClassShift : 32 - BitOperations.LeadingZeroCount((uint)(length - 1));

    /// <summary>A float32 temporary of <paramref name="shape"/>, zeroed if asked.</summary>
    public static Tensor RentFloat(Shape shape, bool clear) => Rent<float>(ref t_float, shape, clear);

    /// <summary>An int32 temporary of <paramref name="shape"/>, zeroed if asked.</summary>
    public static Tensor RentInt(Shape shape, bool clear) => Rent<int>(ref t_int, shape, clear);

    private static Tensor Rent<T>(ref Stack<Tensor>?[]? classes, Shape shape, bool clear) where T : unmanaged
    {
        int size = shape.Size;
        int sizeClass = ClassOf(size);
        if (sizeClass > MaxClassShift) return new Tensor(new CpuStorage<T>(size, clear), shape);
        classes ??= new Stack<Tensor>?[MaxClassShift + 1];
        if (classes[sizeClass] is { Count: > 0 } stack)
        {
            var tensor = stack.Pop();
            var storage = (CpuStorage<T>)tensor.Storage;
            storage.Reopen(size, clear);
            tensor.Reuse(storage, shape, 0, TensorKind.PooledOwner);
            return tensor;
        }
        var fresh = new Tensor(new CpuStorage<T>(size, clear, capacity: 1 << sizeClass), shape);
        fresh.Reuse(fresh.Storage, shape, 0, TensorKind.PooledOwner);
        return fresh;
    }

    /// <summary>A scoped view of <paramref name="storage"/>.</summary>
    public static Tensor RentView(TensorStorage storage, Shape shape, int offset)
    {
        if (t_views is { Count: > 0 } views)
        {
            var tensor = views.Pop();
            tensor.Reuse(storage, shape, offset, TensorKind.PooledView);
            return tensor;
        }
        var fresh = new Tensor(storage, shape, offset);
        fresh.Reuse(storage, shape, offset, TensorKind.PooledView);
        return fresh;
    }

    /// <summary>Takes back a temporary whose scope ended.</summary>
    public static void Return(Tensor tensor)
    {
        tensor.Forget();
        if (tensor.Kind == TensorKind.PooledView)
        {
            t_views ??= new Stack<Tensor>();
            if (t_views.Count < MaxViews) t_views.Push(tensor);
            return;
        }
        if (tensor.Kind != TensorKind.PooledOwner) return;
        switch (tensor.Storage)
        {
            case CpuStorage<float> f: Return(ref t_float, tensor, f); break;
            case CpuStorage<int> i: Return(ref t_int, tensor, i); break;
        }
    }

    private static void Return<T>(ref Stack<Tensor>?[]? classes, Tensor tensor, CpuStorage<T> storage) where T : unmanaged
    {
        storage.Close();
        int capacity = storage.Capacity;
        if (capacity < 1 << MinClassShift || !BitOperations.IsPow2(capacity)) return;
        int sizeClass = BitOperations.Log2((uint)capacity);
        if (sizeClass > MaxClassShift) return;
        classes ??= new Stack<Tensor>?[MaxClassShift + 1];
        var stack = classes[sizeClass] ??= new Stack<Tensor>();
        if (stack.Count < MaxPerClass) stack.Push(tensor);
    }
}
