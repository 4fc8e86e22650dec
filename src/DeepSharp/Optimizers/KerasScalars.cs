using System.Globalization;

namespace DeepSharp.Optimizers;

/// <summary>
/// Scalars derived from hyperparameters the way Keras derives them. Keras's hyperparameters are
/// Python floats (doubles): <c>1 - self.beta_2</c> is taken in double and rounded to float32 once,
/// when it meets a float32 tensor (0.001f for β2 = 0.999). Taking it from the float32 β instead
/// gives 1 − 0.999f = 9.9998713e-4, 1.3e-5 relative off, and every update with it.
/// </summary>
internal static class KerasScalars
{
    /// <summary>
    /// The decimal a float hyperparameter stands for: the shortest one that rounds to it, which is
    /// what a caller wrote (0.999f is 0.999), as a double, as Keras's Python float holds it.
    /// </summary>
    public static double Decimal(float x) =>
        double.Parse(x.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>1 − x taken in double on the decimal x stands for, then rounded to float32 once.</summary>
    public static float OneMinus(float x) => (float)(1.0 - Decimal(x));
}
