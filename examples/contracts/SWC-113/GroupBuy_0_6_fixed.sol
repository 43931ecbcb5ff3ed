// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.6.0;

/// @title GroupBuyFixed
/// @notice Pools one contribution per participant for a group purchase. On
///         cancellation each participant pulls their own refund, so one failing
///         recipient cannot block the others.
contract GroupBuyFixed {
    address public organizer;
    mapping(address => uint256) public contributions;
    bool public cancelled;

    event Joined(address indexed participant, uint256 amount);
    event Cancelled();
    event Refunded(address indexed participant, uint256 amount);

    constructor() public {
        organizer = msg.sender;
    }

    function join() external payable {
        require(!cancelled, "cancelled");
        require(msg.value > 0, "no contribution");
        require(contributions[msg.sender] == 0, "already joined");
        contributions[msg.sender] = msg.value;
        emit Joined(msg.sender, msg.value);
    }

    function cancel() external {
        require(msg.sender == organizer, "not organizer");
        require(!cancelled, "already cancelled");
        cancelled = true;
        emit Cancelled();
    }

    function claimRefund() external {
        require(cancelled, "not cancelled");
        uint256 amount = contributions[msg.sender];
        require(amount > 0, "nothing to refund");
        contributions[msg.sender] = 0;
        msg.sender.transfer(amount);
        emit Refunded(msg.sender, amount);
    }
}
