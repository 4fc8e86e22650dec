namespace DeepSharp.Nn;

/// <summary>Freezing (Keras's <c>layer.trainable = False</c>).</summary>
public abstract partial class Layer
{
    private bool _trainable = true;

    /// <summary>
    /// Whether training updates this layer's weights (and its sublayers'); set false to freeze it, as
    /// Keras's <c>layer.trainable = False</c>: its weights get no gradients, optimizers skip them,
    /// their regularizers leave the loss, and Summary counts them as non-trainable. As in Keras, set
    /// it before <c>Compile</c> (or compile again after changing it): a compiled model keeps the list
    /// of regularized weights it started with, and a running Fit its trainable weights. A frozen
    /// BatchNormalization runs in inference mode (its moving statistics, never updated), as in Keras 3. A frozen layer's config writes
    /// <c>"trainable": false</c>, so model files keep it.
    /// </summary>
    public bool Trainable
    {
        get => _trainable;
        set
        {
            _trainable = value;
            foreach (var p in Parameters) p.Value.RequiresGrad = p.Trainable;
        }
    }

    /// <summary>Whether this layer and every layer holding it are trainable.</summary>
    internal bool TrainsWeights => _trainable && (Parent?.TrainsWeights ?? true);
}
