using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// How <see cref="EinsumDense"/> computes its equation for one input shape: the input permuted to
/// (free…, contracted…) and flattened to rows, times the kernel permuted to (contracted…, kernel-only…)
/// and flattened, the product unflattened to (free…, kernel-only…) and permuted to the output's order.
/// Letters of the input that reach the output without the kernel are "free" (the batch among them),
/// letters of the input and kernel that leave the output are "contracted", letters of the kernel and
/// output only are "kernel-only"; an ellipsis stands for leading free axes. The shapes follow Keras's
/// <c>_analyze_einsum_string</c>: the kernel's sizes come from the input and from output_shape, and the
/// bias has the output's sizes from its first bias axis on, 1 on the axes it does not cover.
/// </summary>
internal sealed class EinsumDensePlan
{
    /// <summary>Per-sample output shape.</summary>
    public required Shape OutputShape { get; init; }
    /// <summary>The kernel's shape, in the equation's kernel letter order.</summary>
    public required Shape KernelShape { get; init; }
    /// <summary>The bias's shape (Keras's, with 1 on skipped axes); null without bias axes.</summary>
    public Shape? BiasShape { get; init; }
    /// <summary>Permutes the input (with its batch axis) to (free…, contracted…); null when it is in that order already.</summary>
    public int[]? InputPermutation { get; init; }
    /// <summary>Permutes the kernel to (contracted…, kernel-only…); null when it is in that order already.</summary>
    public int[]? KernelPermutation { get; init; }
    /// <summary>Number of leading free axes of the input (batch included) and their product per sample, the contracted and the kernel-only sizes.</summary>
    public required int FreeAxes { get; init; }
    public required int Contracted { get; init; }
    public required int KernelOnly { get; init; }
    /// <summary>The (free…, kernel-only…) product's axes after the batch, per sample, before the final permutation.</summary>
    public required int[] ProductDims { get; init; }
    /// <summary>Permutes the (batch, free…, kernel-only…) product to the output's order; null when it is in that order already.</summary>
    public int[]? OutputPermutation { get; init; }
    /// <summary>Whether the bias is one value per kernel-only element in the product's trailing order, so the matrix product can add it.</summary>
    public bool BiasInProduct { get; init; }

    /// <summary>Analyses <paramref name="equation"/> for a per-sample input shape; <paramref name="outputShape"/> as Keras's output_shape (null: the input's size).</summary>
    /// <exception cref="ArgumentException">The equation, output shape or bias axes cannot make the layer (the message says which and why).</exception>
    public static EinsumDensePlan Create(string layer, string equation, IReadOnlyList<int?> outputShape, string? biasAxes, Shape inputShape)
    {
        var (inputSpec, kernelSpec, outputSpec, elided) = Parse(layer, equation);
        int rank = inputShape.Rank + 1; // with the batch axis
        int leading = elided ? rank - inputSpec.Length : 0;
        if (elided ? leading < 1 : inputSpec.Length != rank)
            throw new ShapeMismatchException($"Layer '{layer}' (EinsumDense): equation '{equation}' " +
                (elided ? $"names {inputSpec.Length} input axes after '...', more than inputs {inputShape.ToBatchString()} have besides the batch axis"
                        : $"names {inputSpec.Length} input axes; inputs {inputShape.ToBatchString()} have {rank} (the batch axis included)") + ".");
        int given = elided ? outputSpec.Length : outputSpec.Length - 1;
        if (outputShape.Count != given)
            throw new ArgumentException($"Layer '{layer}' (EinsumDense): output_shape has {outputShape.Count} sizes; equation '{equation}' needs {given} " +
                $"(one per output axis{(elided ? " after '...'" : " after the batch axis")}).");

        // Sizes of every letter, and the output's per-sample dims: the ellipsis's axes after the batch, then the spec's.
        var size = new Dictionary<char, int>();
        for (int i = 0; i < inputSpec.Length; i++) size[inputSpec[i]] = i + leading == 0 ? -1 : inputShape[i + leading - 1];
        var outputDims = new List<int>();
        for (int i = 1; i < leading; i++) outputDims.Add(inputShape[i - 1]);
        for (int i = 0; i < outputSpec.Length; i++)
        {
            char c = outputSpec[i];
            int? wanted = elided ? outputShape[i] : i == 0 ? null : outputShape[i - 1];
            if (size.TryGetValue(c, out int known))
            {
                if (wanted is { } w && known >= 0 && w != known)
                    throw new ShapeMismatchException($"Layer '{layer}' (EinsumDense): output axis '{c}' of '{equation}' is {w} in output_shape but {known} in inputs {inputShape.ToBatchString()}.");
            }
            else
            {
                if (wanted is not { } w) throw new ArgumentException($"Layer '{layer}' (EinsumDense): output axis '{c}' of '{equation}' comes from the kernel, so output_shape must give its size (it is null).");
                if (w <= 0) throw new ArgumentException($"Layer '{layer}' (EinsumDense): output_shape gives axis '{c}' size {w}; sizes must be positive.");
                size[c] = w;
            }
            if (elided || i > 0) outputDims.Add(size[c]);
        }

        // Classify letters; elided leading axes are free and stay in front.
        string free = new([.. outputSpec.Where(inputSpec.Contains)]);
        string contracted = new([.. inputSpec.Where(c => !outputSpec.Contains(c))]);
        string kernelOnly = new([.. outputSpec.Where(c => !inputSpec.Contains(c))]);
        if (!elided && outputSpec[0] != inputSpec[0])
            throw new ArgumentException($"Layer '{layer}' (EinsumDense): equation '{equation}' must keep the batch axis '{inputSpec[0]}' first in the output.");

        var inputOrder = new List<int>();
        for (int i = 0; i < leading; i++) inputOrder.Add(i);
        foreach (char c in free + contracted) inputOrder.Add(leading + inputSpec.IndexOf(c));
        var kernelOrder = (contracted + kernelOnly).Select(c => kernelSpec.IndexOf(c)).ToArray();
        var product = new List<int>();
        for (int i = 1; i < leading; i++) product.Add(inputShape[i - 1]);
        foreach (char c in free + kernelOnly) if (size[c] >= 0) product.Add(size[c]);
        // Where each output axis sits in the (ellipsis…, free…, kernel-only…) product.
        var order = free + kernelOnly;
        var outputOrder = new List<int>();
        for (int i = 0; i < leading; i++) outputOrder.Add(i);
        foreach (char c in outputSpec) outputOrder.Add(leading + order.IndexOf(c));

        Shape? biasShape = null;
        bool biasInProduct = false;
        if (biasAxes is not null)
        {
            foreach (char c in biasAxes)
                if (!outputSpec.Contains(c))
                    throw new ArgumentException($"Layer '{layer}' (EinsumDense): bias axis '{c}' is not an output axis of '{equation}'.");
            if (biasAxes.Distinct().Count() != biasAxes.Length) throw new ArgumentException($"Layer '{layer}' (EinsumDense): bias_axes '{biasAxes}' repeats an axis.");
            int first = biasAxes.Min(c => outputSpec.IndexOf(c));
            biasShape = new Shape([.. outputSpec[first..].Select(c => biasAxes.Contains(c) ? size[c] : 1)]);
            biasInProduct = Identity(outputOrder) && outputSpec[first..] == kernelOnly && biasAxes.Length == kernelOnly.Length;
        }
        int Product(string letters) => letters.Aggregate(1, (p, c) => p * Math.Max(size[c], 1));
        return new EinsumDensePlan
        {
            OutputShape = new Shape([.. outputDims]),
            KernelShape = new Shape([.. kernelSpec.Select(c => size[c])]),
            BiasShape = biasShape,
            InputPermutation = Identity(inputOrder) ? null : [.. inputOrder],
            KernelPermutation = Identity(kernelOrder) ? null : kernelOrder,
            FreeAxes = leading + free.Length,
            Contracted = Product(contracted),
            KernelOnly = Product(kernelOnly),
            ProductDims = [.. product],
            OutputPermutation = Identity(outputOrder) ? null : [.. outputOrder],
            BiasInProduct = biasInProduct,
        };
    }

    /// <summary>Splits and checks an equation: input, kernel and output letters, and whether '...' leads the input and output.</summary>
    public static (string Input, string Kernel, string Output, bool Elided) Parse(string layer, string equation)
    {
        ArgumentException Refuse(string why) => new(
            $"Layer '{layer}' (EinsumDense) cannot compute equation '{equation}': {why}. It takes 'input,kernel->output' in letters, " +
            "optionally with '...' leading the input and output (as 'ab,bc->ac', 'abc,cd->abd', 'abc,cde->abde', 'abcd,cde->abe', '...b,bc->...c').");
        ArgumentNullException.ThrowIfNull(equation);
        string compact = equation.Replace(" ", "", StringComparison.Ordinal);
        int arrow = compact.IndexOf("->", StringComparison.Ordinal), comma = compact.IndexOf(',', StringComparison.Ordinal);
        if (arrow < 0 || comma < 0 || comma > arrow || compact.IndexOf(',', comma + 1) >= 0 || compact.IndexOf("->", arrow + 2, StringComparison.Ordinal) >= 0)
            throw Refuse("it is not of the form 'input,kernel->output'");
        string input = compact[..comma], kernel = compact[(comma + 1)..arrow], output = compact[(arrow + 2)..];
        bool inputElided = input.StartsWith("...", StringComparison.Ordinal), outputElided = output.StartsWith("...", StringComparison.Ordinal);
        if (inputElided != outputElided) throw Refuse("'...' must lead both the input and the output, or neither");
        if (inputElided) (input, output) = (input[3..], output[3..]);
        foreach (var (part, what) in new[] { (input, "input"), (kernel, "kernel"), (output, "output") })
        {
            if (part.Contains("...", StringComparison.Ordinal)) throw Refuse($"'...' in the {what} is supported only leading the input and output");
            if (part.Any(c => !char.IsAsciiLetter(c))) throw Refuse($"the {what} '{part}' holds a character that is not a letter");
            if (part.Distinct().Count() != part.Length) throw Refuse($"the {what} '{part}' repeats a letter (a diagonal or trace)");
        }
        if (input.Length == 0 || kernel.Length == 0 || output.Length == 0) throw Refuse("the input, kernel and output each need at least one letter");
        foreach (char c in output)
            if (!input.Contains(c) && !kernel.Contains(c)) throw Refuse($"output axis '{c}' is in neither the input nor the kernel");
        foreach (char c in kernel)
        {
            if (!input.Contains(c) && !output.Contains(c)) throw Refuse($"kernel axis '{c}' is in neither the input nor the output (Keras needs every kernel axis sized)");
            if (input.Contains(c) && output.Contains(c)) throw Refuse($"axis '{c}' is in the input, the kernel and the output (a per-slice kernel)");
        }
        foreach (char c in input)
            if (!kernel.Contains(c) && !output.Contains(c)) throw Refuse($"input axis '{c}' is in neither the kernel nor the output (a sum over it)");
        return (input, kernel, output, inputElided);
    }

    private static bool Identity(IReadOnlyList<int> order)
    {
        for (int i = 0; i < order.Count; i++) if (order[i] != i) return false;
        return true;
    }
}
