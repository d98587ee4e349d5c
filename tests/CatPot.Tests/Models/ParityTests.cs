using CatPot.Models.Heads;
using CatPot.Models;
using Xunit;
using Xunit.Abstractions;

namespace CatPot.Tests.Models;

/// <summary>
/// Acceptance: for a model file written by the PyTorch peer (<c>*_small</c>), CatPot reproduces the peer's energies,
/// entropies, std_E, direct and conservative forces (parity.py outputs committed as fixtures); and for a model file
/// written by CatPot (<c>catpot_*_small</c>, tools/check_peer_parity.sh), the peer's parity.py outputs for it match
/// CatPot's. See docs/parity.md.
/// </summary>
public class ParityTests(ITestOutputHelper output)
{
    // float32 CatPot against either peer run: the acceptance tolerance.
    private const double Float32Tolerance = 1e-4;

    // float64 CatPot against the peer's float64 run, reading the histogram with the peer's float32-rounded bin
    // centres: same weights, same float32-rounded positions, same formulas; only summation order differs.
    private const double Float64Tolerance = 1e-9;

    // float64 CatPot with its own (double) bin centres against the peer's float64 run: the peer's centres carry
    // float32 rounding (relative 6e-8 of values up to |lo|, |hi| ≈ 8), which moves ŷ_n by up to ~3e-8.
    private const double Float64OwnCentresTolerance = 1e-6;

    [Theory]
    [InlineData("hlgauss_small", false)]
    [InlineData("hlgauss_small", true)]
    [InlineData("mae_small", false)]
    [InlineData("mae_small", true)]
    [InlineData("catpot_hlgauss_small", false)]
    [InlineData("catpot_hlgauss_small", true)]
    [InlineData("catpot_mae_small", false)]
    [InlineData("catpot_mae_small", true)]
    public void Float32_model_matches_peer_float32_and_float64(string model, bool oneBatch)
    {
        var potential = PotentialFile.Load<float>(PeerFixtures.PathOf(model + ".safetensors"));
        var ours = ParityFrames.Evaluate(potential, ParityFrames.ReadRounded(PeerFixtures.PathOf("frames.extxyz")), oneBatch);
        foreach (var precision in new[] { "f32", "f64" })
        {
            var peer = ParityFrames.ReadPeer($"{model}_parity_{precision}.json");
            var d = ParityDeviation.Between(ours, peer);
            output.WriteLine($"{model} CatPot float32 ({(oneBatch ? "one batch" : "frame by frame")}) vs peer {precision}: {d}");
            AssertWithin(d, Float32Tolerance, model.StartsWith("hlgauss", StringComparison.Ordinal));
            Assert.True(d.ModelEnergy < Float32Tolerance, $"model energy: {d}");
        }
    }

    [Theory]
    [InlineData("hlgauss_small", false)]
    [InlineData("hlgauss_small", true)]
    [InlineData("mae_small", false)]
    [InlineData("mae_small", true)]
    [InlineData("catpot_hlgauss_small", false)]
    [InlineData("catpot_hlgauss_small", true)]
    [InlineData("catpot_mae_small", false)]
    [InlineData("catpot_mae_small", true)]
    public void Float64_model_matches_peer_float64_tightly(string model, bool oneBatch)
    {
        var potential = PotentialFile.Load<double>(PeerFixtures.PathOf(model + ".safetensors"));
        var frames = ParityFrames.ReadRounded(PeerFixtures.PathOf("frames.extxyz"));
        var peer = ParityFrames.ReadPeer($"{model}_parity_f64.json");
        bool hl = model.StartsWith("hlgauss", StringComparison.Ordinal);

        var exact = ParityDeviation.Between(ParityFrames.Evaluate(potential, frames, oneBatch, float32BinCentres: true), peer);
        output.WriteLine($"{model} CatPot float64, float32 bin centres ({(oneBatch ? "one batch" : "frame by frame")}) vs peer f64: {exact}");
        AssertWithin(exact, Float64Tolerance, hl);
        Assert.True(exact.ModelEnergy < Float64Tolerance, $"model energy: {exact}");
        Assert.True(exact.YnHat < Float64Tolerance, $"yn_hat: {exact}");

        var own = ParityDeviation.Between(ParityFrames.Evaluate(potential, frames, oneBatch), peer);
        output.WriteLine($"{model} CatPot float64, own bin centres ({(oneBatch ? "one batch" : "frame by frame")}) vs peer f64: {own}");
        AssertWithin(own, Float64OwnCentresTolerance, hl);
        Assert.True(own.ModelEnergy < Float64OwnCentresTolerance, $"model energy: {own}");
    }

    [Fact]
    public void Float32_model_is_not_compared_against_itself_only()
    {
        // Guards the comparison: a model whose weights are perturbed by 1 % must fail the acceptance tolerance.
        var potential = PotentialFile.Load<float>(PeerFixtures.PathOf("hlgauss_small.safetensors"));
        var w = potential.Parameters["layers.1.update.a2.weight"].Span;
        for (int i = 0; i < w.Length; i++) w[i] *= 1.01f;
        var f = potential.Parameters["forces.block2.mlp2.weight"].Span;
        for (int i = 0; i < f.Length; i++) f[i] *= 1.01f;
        var ours = ParityFrames.Evaluate(potential, ParityFrames.ReadRounded(PeerFixtures.PathOf("frames.extxyz")), oneBatch: true);
        var d = ParityDeviation.Between(ours, ParityFrames.ReadPeer("hlgauss_small_parity_f64.json"));
        Assert.True(d.ModelEnergy > Float32Tolerance, $"model-energy deviation {d.ModelEnergy:E2}");
        Assert.True(d.Forces > Float32Tolerance, $"direct-force deviation {d.Forces:E2}");
        Assert.True(d.ForcesConservative > Float32Tolerance, $"conservative-force deviation {d.ForcesConservative:E2}");
    }

    [Theory]
    [InlineData("catpot_hlgauss_small", "hlgauss")]
    [InlineData("catpot_mae_small", "mae")]
    public void CatPot_written_fixture_was_written_by_CatPot_with_nonzero_biases(string model, string head)
    {
        // The peer's own files have zero biases (PyTorch-style init); these exercise the bias mapping in both directions.
        var file = SafeTensorsFile.Read(PeerFixtures.PathOf(model + ".safetensors"));
        var m = ModelContract.Validate(file);
        Assert.Equal(head, m.Config.Head.Name);
        Assert.Equal("tools/catpot_parity.cs write-model", m.TrainingSet["written_by"]!.GetValue<string>());
        var biases = file.Tensors.Where(kv => kv.Key.EndsWith(".bias", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(biases);
        Assert.All(biases, kv => Assert.Contains(kv.Value.Float32!, x => x != 0f));
        var peer = PeerFixtures.Json(model + "_parity_f64.json").GetProperty("model");
        Assert.Equal(model + ".safetensors", peer.GetProperty("file").GetString());
        Assert.Empty(peer.GetProperty("unused_tensors").EnumerateArray());
    }

    private static void AssertWithin(ParityDeviation d, double tolerance, bool hlGauss)
    {
        Assert.True(d.Energy < tolerance, $"energy: {d}");
        Assert.True(d.Forces < tolerance, $"direct forces: {d}");
        Assert.True(d.ForcesConservative < tolerance, $"conservative forces: {d}");
        if (hlGauss)
        {
            Assert.True(d.Entropy < tolerance, $"entropy: {d}");
            Assert.True(d.StdE < tolerance, $"std_E: {d}");
        }
    }
}
