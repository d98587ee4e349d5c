using CatPot.Graphs;
using CatPot.Models;
using CatPot.Tensors;
using CatPot.Tests.Simulation;
using Xunit;

namespace CatPot.Tests.Models;

public class FreezeForInferenceTests
{
    private static (double Energy, double[] Forces) Run(Potential<double> model, ModelInput<double> input)
    {
        var o = model.Forward(input, directForces: false, conservativeForces: true);
        return (o.Energy[0], o.ConservativeForces!.ToArray());
    }

    private static ModelInput<double> Input(Potential<double> model)
    {
        var input = ModelInput<double>.FromBatch(GraphBatch.Create([SimulationFixtures.Methanol()], new NeighborListBuilder(model.Config.Cutoff)));
        input.Positions.RequiresGrad = true;
        return input;
    }

    [Fact]
    public void Frozen_model_gives_the_same_energy_and_forces_and_follows_refreezes()
    {
        var model = SimulationFixtures.Model<double>(8);
        model.Parameters.SetRequiresGrad(false);
        var plain = Run(model, Input(model));
        model.FreezeForInference();
        Assert.All(model.Parameters.Layers, l => Assert.True(l.IsFrozen));
        Assert.True(model.Parameters.Layers.Count >= 10);
        var frozen = Run(model, Input(model));
        Assert.Equal(plain.Energy, frozen.Energy, 1e-12);
        for (int i = 0; i < plain.Forces.Length; i++) Assert.Equal(plain.Forces[i], frozen.Forces[i], 1e-12);

        // Change a weight: the stale copy is what a frozen layer reads, until it is frozen again.
        var w = model.Parameters["layers.0.message.phi1.weight"];
        w.Span[3] += 0.5;
        var stale = Run(model, Input(model));
        Assert.Equal(frozen.Energy, stale.Energy, 1e-12);
        model.FreezeForInference();
        var refrozen = Run(model, Input(model));
        model.Unfreeze();
        var changed = Run(model, Input(model));
        Assert.NotEqual(frozen.Energy, changed.Energy, 6);
        Assert.Equal(changed.Energy, refrozen.Energy, 1e-12);
    }

    [Fact]
    public void Weights_that_require_gradients_ignore_the_frozen_copy()
    {
        var model = SimulationFixtures.Model<double>(9);
        model.FreezeForInference();
        var w = model.Parameters["energy.mlp1.weight"];
        w.Span[0] += 1.0; // the copy is now stale, but training mode (RequiresGrad) must not read it
        var input = Input(model);
        var frozenRun = Run(model, input);
        model.Unfreeze();
        var plainRun = Run(model, Input(model));
        Assert.Equal(plainRun.Energy, frozenRun.Energy, 1e-12);
        var energy = model.Forward(Input(model), directForces: false).ModelEnergy;
        var grads = Autograd.Grad(Tensor.Sum(energy), [w]);
        Assert.Contains(grads[0].ToArray(), g => g != 0);
    }
}
