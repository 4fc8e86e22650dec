namespace DeepSharp.Training;

/// <summary>
/// A model file's compile config names an optimizer, learning-rate schedule, loss or metric of the program that saved it, and the load was not given it
/// (Keras's "Could not locate ..."): pass it in <see cref="Nn.CustomObjects"/> (<see cref="CustomCompileObjects"/>), or load with
/// <c>compile: false</c>. The message names the file, the kind and the class.
/// </summary>
public sealed class MissingCustomObjectException : DataFormatException
{
    /// <param name="kind">"optimizer", "schedule", "loss" or "metric".</param>
    /// <param name="className">The class name the file holds.</param>
    /// <param name="message">The file, the class and how to give it.</param>
    public MissingCustomObjectException(string kind, string className, string message) : base(message) => (Kind, ClassName) = (kind, className);

    /// <summary>"optimizer", "schedule", "loss" or "metric".</summary>
    public string Kind { get; }

    /// <summary>The class name the file's compile config holds.</summary>
    public string ClassName { get; }
}
