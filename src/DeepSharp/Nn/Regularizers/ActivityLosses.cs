using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Regularizers;

/// <summary>
/// Collects the activity penalties of the layers a training or evaluation step runs (Keras's
/// <c>add_loss</c> from <c>__call__</c>): between <see cref="Begin"/> and <see cref="End"/> on a
/// thread, every layer with an activity regularizer adds its output's penalty here, however often
/// it is called (a shared layer adds one per call). Outside a collection a layer keeps the penalty
/// of its latest call itself (<see cref="Layer.RegularizationLosses"/>).
/// </summary>
internal static class ActivityLosses
{
    [ThreadStatic] private static bool t_collecting;
    [ThreadStatic] private static Tensor? t_sum;

    /// <summary>Whether a step on this thread is collecting penalties.</summary>
    public static bool Collecting => t_collecting;

    /// <summary>Starts collecting on this thread (dropping anything left from an earlier collection).</summary>
    public static void Begin()
    {
        t_collecting = true;
        t_sum = null;
    }

    /// <summary>Stops collecting and returns the sum of the penalties added since <see cref="Begin"/> (null if none).</summary>
    public static Tensor? End()
    {
        var sum = t_sum;
        t_collecting = false;
        t_sum = null;
        return sum;
    }

    /// <summary>Adds the activity penalty of <paramref name="output"/> (see <see cref="Of"/>) to the running sum.</summary>
    public static void Add(Regularizer regularizer, Tensor output) => t_sum = regularizer.AddPenalty(t_sum, output, Scale(output));

    /// <summary>
    /// Keras 3's activity penalty of a layer output: the regularizer's value divided by the batch
    /// size (the output's first axis; a scalar output is not divided, and an empty batch gives 0,
    /// as divide_no_nan does), so the strength does not depend on the batch size.
    /// </summary>
    /// <param name="regularizer">The layer's activity regularizer.</param>
    /// <param name="output">One tensor the layer's call returned.</param>
    /// <param name="plus">A penalty to add this one to (the call's other outputs'), or null.</param>
    public static Tensor Of(Regularizer regularizer, Tensor output, Tensor? plus = null) => regularizer.AddPenalty(plus, output, Scale(output));

    private static float Scale(Tensor output) =>
        output.Rank == 0 || output.Shape[0] == 1 ? 1f : output.Shape[0] == 0 ? 0f : 1f / output.Shape[0];
}
