// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.7.6;

/// @title FeeCollectorFixed
/// @notice Accumulates protocol fees and sweeps them to a treasury. The sweep
///         checks the call's success flag and reverts (restoring the counter) on failure.
contract FeeCollectorFixed {
    address public immutable owner;
    address payable public treasury;
    uint256 public collected;

    event FeePaid(address indexed payer, uint256 amount);
    event Swept(address indexed treasury, uint256 amount);

    constructor(address payable _treasury) {
        require(_treasury != address(0), "zero treasury");
        owner = msg.sender;
        treasury = _treasury;
    }

    function payFee() external payable {
        require(msg.value > 0, "no fee");
        require(collected + msg.value >= collected, "overflow");
        collected = collected + msg.value;
        emit FeePaid(msg.sender, msg.value);
    }

    function sweep() external {
        require(msg.sender == owner, "not owner");
        uint256 amount = collected;
        collected = 0;
        emit Swept(treasury, amount);
        (bool ok, ) = treasury.call{value: amount}("");
        require(ok, "sweep failed");
    }
}
