using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// An identity layer that, once <see cref="Hold"/> is called, stops the next forward pass until
/// <see cref="Open"/>: the batcher's thread waits inside the model while the test queues requests
/// behind it, so what the batcher joins does not depend on how fast this machine delivers them.
/// </summary>
internal sealed class GatedIdentity(int[] inputShape) : Layer(null, inputShape)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _entered = new(0), _open = new(0);
    private int _armed;

    public override string TypeName => "GatedIdentity";

    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>The next forward pass will wait for <see cref="Open"/>.</summary>
    public void Hold() => Volatile.Write(ref _armed, 1);

    /// <summary>Waits until a forward pass is held at the gate.</summary>
    public async Task WaitUntilHeldAsync()
    {
        if (!await _entered.WaitAsync(Patience)) throw new TimeoutException("no forward pass reached the gate");
    }

    public void Open() => _open.Release();

    protected override Tensor Forward(Tensor x, bool training)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            _entered.Release();
            if (!_open.Wait(Patience)) throw new TimeoutException("the gate was never opened");
        }
        return x;
    }
}
