namespace Jaeger.Model;

/// <summary>Calls from one service to another within a time window.</summary>
/// <param name="Parent">The calling service.</param>
/// <param name="Child">The called service.</param>
/// <param name="CallCount">How many calls.</param>
/// <param name="Source">What produced the link; Jaeger uses "jaeger".</param>
public readonly record struct DependencyLink(string Parent, string Child, ulong CallCount, string Source = "jaeger");
