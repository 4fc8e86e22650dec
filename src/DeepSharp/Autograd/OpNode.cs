using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// Base of the recorded backward rules: holds the inputs and wires the output. Up to three inputs
/// are kept in fields (every op but concatenation), so recording a node allocates only the node.
/// </summary>
internal abstract class OpNode : IGradFunction
{
    private readonly Tensor _first;
    private readonly Tensor? _second, _third;
    private readonly Tensor[]? _more;
    private readonly int _count;
    private InputList? _inputs;

    protected OpNode(params ReadOnlySpan<Tensor> inputs)
    {
        if (inputs.Length == 0) throw new ArgumentException("An op node needs at least one input.", nameof(inputs));
        _count = inputs.Length;
        _first = inputs[0];
        if (_count > 1) _second = inputs[1];
        if (_count > 2) _third = inputs[2];
        if (_count > 3) _more = inputs.ToArray();
    }

    public abstract string Name { get; }

    public IReadOnlyList<Tensor> Inputs => _inputs ??= new InputList(this);

    /// <summary>Number of inputs.</summary>
    public int InputCount => _count;

    /// <summary>Input <paramref name="i"/>.</summary>
    public Tensor Input(int i) => i switch
    {
        0 => _first,
        1 when _count > 1 => _second!,
        2 when _count > 2 => _third!,
        _ when _more is not null && (uint)i < (uint)_count => _more[i],
        _ => throw new ArgumentOutOfRangeException(nameof(i), i, $"Op {Name} has {_count} inputs."),
    };

    public abstract void Backward(Tensor output, Tensor outputGrad);

    /// <summary>Whether an op on these inputs must record a node.</summary>
    public static bool Needed(Tensor a) => !NoGrad.IsActive && a.RequiresGrad;
    public static bool Needed(Tensor a, Tensor b) => !NoGrad.IsActive && (a.RequiresGrad || b.RequiresGrad);
    public static bool Needed(Tensor a, Tensor b, Tensor? c) => !NoGrad.IsActive && (a.RequiresGrad || b.RequiresGrad || c?.RequiresGrad == true);

    /// <summary>Attaches this node to <paramref name="output"/> and returns it.</summary>
    public Tensor Attach(Tensor output)
    {
        output.GradFn = this;
        output.RequiresGrad = true;
        output.GraphReleased = false;
        return output;
    }

    /// <summary>The gradient buffer of input <paramref name="i"/>, or null if it needs none.</summary>
    protected Tensor? GradOf(int i)
    {
        var input = Input(i);
        return input.RequiresGrad ? Backprop.GradOf(input) : null;
    }

    /// <summary>
    /// The gradient buffer of input <paramref name="i"/> for a rule that can overwrite: an
    /// uninitialised one when the input has no gradient yet (<paramref name="accumulate"/> false:
    /// write every element), else the existing one (accumulate into it). Null if it needs none.
    /// Saves the zero-fill and the read of a fresh buffer.
    /// </summary>
    protected Tensor? GradForWrite(int i, out bool accumulate)
    {
        var input = Input(i);
        accumulate = true;
        if (!input.RequiresGrad) return null;
        if (input.Grad is null && !input.IsLeaf)
        {
            accumulate = false;
            return input.Grad = Tensor.Temp(input.Shape);
        }
        return Backprop.GradOf(input);
    }

    /// <summary>The inputs as a list, made on first request (graph dumps, user code).</summary>
    private sealed class InputList(OpNode node) : IReadOnlyList<Tensor>
    {
        public int Count => node._count;
        public Tensor this[int index] => node.Input(index);

        public IEnumerator<Tensor> GetEnumerator()
        {
            for (int i = 0; i < node._count; i++) yield return node.Input(i);
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
