using DeepSharp.Kernels.Cpu;

namespace DeepSharp.Tests.Kernels;

/// <summary>Kernels that index through pointers reject arguments that would reach outside their buffers.</summary>
public class KernelArgumentTests
{
    [Fact]
    public void MaxPoolBackwardRejectsAnArgmaxOutsideItsImage()
    {
        var g = Pool2DGeometry.Create(2, 4, 4, 1, 2, 2, 2, 2, samePadding: false);
        var dy = new float[g.OutputLength];
        var dx = new float[g.InputLength];
        var argmax = new int[g.OutputLength];
        argmax[1] = g.InputLength - 1; // image 0's output pointing into image 1
        var error = Assert.Throws<ArgumentException>(() => MaxPool2DKernel.Backward(dy, argmax, dx, g));
        Assert.Contains("outside their own image", error.Message);
        Assert.Throws<ArgumentException>(() => MaxPool2DKernel.Backward(dy, argmax, new float[3], g));
    }
}
