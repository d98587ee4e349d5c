namespace CatPot.Tests; public class Placeholder { [Xunit.Fact] public void Builds() => Xunit.Assert.Equal(2, 1 + 1); }
